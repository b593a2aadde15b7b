using System.Text;
using Discovery.Hosting.Leasing;
using Discovery.Testing.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.Etcd.Tests.Leasing;

public sealed class LeaseKeeperTests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan HedgeDelay = new LeaseKeeperOptions { Ttl = Ttl, RequestTimeout = TimeSpan.FromSeconds(1) }.HedgeDelay;
    private static readonly LeaseRecord[] Records =
    [
        new("echo/10.0.0.1:5000", Encoding.UTF8.GetBytes("a")),
        new("echo/10.0.0.1:5001", Encoding.UTF8.GetBytes("b")),
    ];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeLeaseApi _api;
    private readonly LeaseKeeper _keeper;

    public LeaseKeeperTests()
    {
        _api = new FakeLeaseApi(_time);
        _keeper = new LeaseKeeper(
            "echo",
            _api,
            Records,
            new LeaseKeeperOptions { Ttl = Ttl, RequestTimeout = TimeSpan.FromSeconds(1) },
            _time,
            NullLogger.Instance);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _keeper.DisposeAsync();

    [Fact]
    public async Task Start_EtcdAnswers_WritesEveryRecordUnderOneLeaseInOneCall()
    {
        _keeper.Start();

        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));

        var lease = _keeper.Status.LeaseId;
        Assert.Equal(1, _api.Count("grant"));
        Assert.Equal(1, _api.Count("put"));
        Assert.Equal(new Dictionary<string, long> { [Records[0].Key] = lease, [Records[1].Key] = lease }, _api.RecordLeases());
    }

    [Fact]
    public async Task Renew_WhileEtcdAnswers_SendsKeepAliveEveryThirdOfTtl()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _api.Count("keepalive") >= 4, TimeSpan.FromSeconds(5));

        var times = _api.Calls.Where(c => c.Kind == "keepalive").Select(c => c.At).ToArray();
        for (var i = 1; i < times.Length; i++)
        {
            var gap = times[i] - times[i - 1];
            Assert.InRange(gap, Ttl / 3, Ttl / 3 + TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, _api.Count("grant"));
        Assert.Equal(LeaseKeeperState.Registered, _keeper.Status.State);
    }

    [Fact]
    public async Task Renew_EtcdUnreachable_RetriesSameLeaseEveryRetryIntervalAndReportsRetrying()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        var lease = _keeper.Status.LeaseId;

        _api.Reachable = false;
        await _time.AdvanceUntilAsync(() => _api.Calls.Count(c => !c.Reached) >= 4, TimeSpan.FromSeconds(3));

        var failed = _api.Calls.Where(c => !c.Reached).ToArray();
        Assert.All(failed, c => Assert.Equal(("keepalive", lease), (c.Kind, c.Lease)));
        for (var i = 1; i < failed.Length; i++)
        {
            Assert.InRange(failed[i].At - failed[i - 1].At, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(LeaseKeeperState.Retrying, _keeper.Status.State);
    }

    [Fact]
    public async Task Renew_EtcdBackAndLeaseKept_KeepsSameLeaseWithoutRewriting()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        var lease = _keeper.Status.LeaseId;

        _api.Reachable = false;
        await _time.AdvanceAsync(Ttl * 2);
        Assert.Equal(LeaseKeeperState.Lost, _keeper.Status.State);

        _api.Reachable = true;
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromMilliseconds(500));

        Assert.Equal(lease, _keeper.Status.LeaseId);
        Assert.Equal(1, _api.Count("grant"));
        Assert.Equal(1, _api.Count("put"));
    }

    [Fact]
    public async Task Renew_LeaseGoneWhenEtcdAnswers_GrantsNewLeaseAndWritesRecordsAgain()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        var oldLease = _keeper.Status.LeaseId;

        _api.Wipe();
        await _time.AdvanceUntilAsync(
            () => _keeper.Status is { State: LeaseKeeperState.Registered } s && s.LeaseId != oldLease,
            Ttl / 3 + TimeSpan.FromMilliseconds(200));

        var lease = _keeper.Status.LeaseId;
        Assert.Equal(2, _api.Count("grant"));
        Assert.Equal(new Dictionary<string, long> { [Records[0].Key] = lease, [Records[1].Key] = lease }, _api.RecordLeases());
    }

    [Fact]
    public async Task Renew_EtcdHung_CountsReplyTimeoutAsUnreachable()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));

        _api.Hung = true;
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Retrying, Ttl / 3 + Ttl / 3 + TimeSpan.FromMilliseconds(100));

        Assert.Contains("hung", _keeper.Status.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renew_KeepAliveLandsOnHungMember_AnotherAttemptAnswersAfterHedgeDelay()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        var before = _api.Count("keepalive");

        _api.HangNext("keepalive");
        await _time.AdvanceUntilAsync(() => _api.Count("keepalive") >= before + 2, Ttl / 3 + HedgeDelay + TimeSpan.FromMilliseconds(100));
        await _time.AdvanceUntilAsync(() => _api.InFlight == 0, TimeSpan.FromMilliseconds(50));
        Assert.Equal(LeaseKeeperState.Registered, _keeper.Status.State);
        await _time.AdvanceUntilAsync(() => _api.Count("keepalive") >= before + 3, Ttl / 3 + TimeSpan.FromMilliseconds(100));

        // The hedge answered, so the next renewal is a regular one a third of the TTL later.
        var attempts = _api.Calls.Where(c => c.Kind == "keepalive").Skip(before).ToArray();
        Assert.InRange(attempts[1].At - attempts[0].At, HedgeDelay, HedgeDelay + TimeSpan.FromMilliseconds(20));
        Assert.InRange(attempts[2].At - attempts[1].At, Ttl / 3, Ttl / 3 + TimeSpan.FromMilliseconds(20));
        Assert.Equal(LeaseKeeperState.Registered, _keeper.Status.State);
    }

    [Fact]
    public async Task Start_GrantAndWriteLandOnHungMembers_RegisteredWithinTwoHedgeDelays()
    {
        _api.HangNext("grant");
        _api.HangNext("put");
        var started = _time.GetUtcNow();

        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, HedgeDelay * 2 + TimeSpan.FromMilliseconds(100));
        await _time.AdvanceUntilAsync(() => _api.InFlight == 0, TimeSpan.FromMilliseconds(50));

        Assert.InRange(_time.GetUtcNow() - started, HedgeDelay * 2, HedgeDelay * 2 + TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, _api.Count("grant"));
        Assert.Equal(2, _api.Count("put"));
        var lease = _keeper.Status.LeaseId;
        Assert.Equal(new Dictionary<string, long> { [Records[0].Key] = lease, [Records[1].Key] = lease }, _api.RecordLeases());
    }

    [Fact]
    public async Task Start_GrantHedgedAndRetried_NamesOneLeaseSoNoneIsLeftUnused()
    {
        _api.HangNext("grant", 4);
        _keeper.Start();

        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(3));

        var grants = _api.Calls.Where(c => c.Kind == "grant").ToArray();
        Assert.True(grants.Length > 4, $"{grants.Length} grant attempts");
        Assert.All(grants, g => Assert.Equal(_keeper.Status.LeaseId, g.Lease));
        Assert.Equal(1, _api.LeaseCount);
    }

    [Fact]
    public async Task Renew_EtcdAnswersWithinHedgeDelay_SendsNoSecondAttempt()
    {
        _api.Latency = HedgeDelay - TimeSpan.FromMilliseconds(50);
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _api.Count("keepalive") >= 4, TimeSpan.FromSeconds(7));

        Assert.Equal(1, _api.Count("grant"));
        Assert.Equal(1, _api.Count("put"));
        var times = _api.Calls.Where(c => c.Kind == "keepalive").Select(c => c.At).ToArray();
        for (var i = 1; i < times.Length; i++)
        {
            Assert.InRange(times[i] - times[i - 1], Ttl / 3, Ttl / 3 + _api.Latency + TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public async Task Start_EtcdDown_RetriesUntilItAnswersThenRegisters()
    {
        _api.Reachable = false;
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _api.Count("grant") >= 5, TimeSpan.FromSeconds(5));
        Assert.Equal(LeaseKeeperState.Retrying, _keeper.Status.State);

        _api.Reachable = true;
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromMilliseconds(600));

        var attempts = _api.Calls.Where(c => c.Kind == "grant").Select(c => c.At).ToArray();
        for (var i = 1; i < attempts.Length; i++)
        {
            Assert.True(attempts[i] - attempts[i - 1] <= TimeSpan.FromMilliseconds(600), "registration retries at most every 500 ms (plus a step)");
        }
    }

    [Fact]
    public async Task Start_EtcdDown_RetriesBetweenHalfAndAllOfADoublingCeilingFrom100To500Milliseconds()
    {
        _api.Reachable = false;
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _api.Count("grant") >= 8, TimeSpan.FromSeconds(5));

        var attempts = _api.Calls.Where(c => c.Kind == "grant").Select(c => c.At).Take(8).ToArray();
        var gaps = attempts.Skip(1).Zip(attempts, (later, earlier) => later - earlier).ToArray();
        int[] ceilings = [100, 200, 400, 500, 500, 500, 500];
        for (var i = 0; i < ceilings.Length; i++)
        {
            // The fake clock moves in 10 ms steps, so a pause ends on the step at or after its drawn length.
            Assert.InRange(gaps[i].TotalMilliseconds, ceilings[i] / 2, ceilings[i] + 10);
        }
    }

    [Fact]
    public async Task RequestRewrite_LeaseAlive_WritesRecordsAgainUnderSameLease()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        var lease = _keeper.Status.LeaseId;
        _api.DeleteRecord(Records[0].Key);

        _keeper.RequestRewrite();
        await _time.AdvanceUntilAsync(() => _api.RecordLeases().Count == 2, TimeSpan.FromMilliseconds(300));

        Assert.Equal(lease, _api.RecordLeases()[Records[0].Key]);
        Assert.Equal(1, _api.Count("grant"));
    }

    [Fact]
    public async Task RequestRewrite_LeaseGone_GrantsNewLease()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        _api.Wipe();

        _keeper.RequestRewrite();
        await _time.AdvanceUntilAsync(() => _api.RecordLeases().Count == 2, TimeSpan.FromMilliseconds(500));

        Assert.Equal(2, _api.Count("grant"));
        Assert.Equal(LeaseKeeperState.Registered, _keeper.Status.State);
    }

    [Fact]
    public async Task StopAsync_Registered_RevokesLeaseAndStops()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        var lease = _keeper.Status.LeaseId;

        // The fake clock stands still here: a real deadline bounds the wait.
        await _keeper.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(_api.IsAlive(lease));
        Assert.Empty(_api.RecordLeases());
        Assert.Equal(LeaseKeeperState.Stopped, _keeper.Status.State);
        var keepAlives = _api.Count("keepalive");
        await _time.AdvanceAsync(Ttl);
        Assert.Equal(keepAlives, _api.Count("keepalive"));
    }

    [Fact]
    public async Task StopAsync_EtcdHung_ReturnsWithinRevokeTimeout()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        _api.Hung = true;

        var started = _time.GetUtcNow();
        var stop = _keeper.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        await _time.AdvanceUntilAsync(() => stop.IsCompleted, TimeSpan.FromSeconds(2));
        await stop;

        Assert.InRange(_time.GetUtcNow() - started, TimeSpan.Zero, TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(50));
        Assert.Equal(LeaseKeeperState.Stopped, _keeper.Status.State);
    }

    [Fact]
    public async Task Withdraw_Registered_DeletesRecordsAndKeepsLeaseAlive()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        var lease = _keeper.Status.LeaseId;

        _keeper.Withdraw(WithdrawalReasons.HealthGate);
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Withdrawn, TimeSpan.FromMilliseconds(100));
        var renewals = _api.Count("keepalive");
        await _time.AdvanceUntilAsync(() => _api.Count("keepalive") >= renewals + 2, Ttl);

        Assert.Empty(_api.RecordLeases());
        Assert.True(_api.IsAlive(lease));
        Assert.Equal(lease, _keeper.Status.LeaseId);
        Assert.Equal(LeaseKeeperState.Withdrawn, _keeper.Status.State);
        Assert.Equal(1, _api.Count("grant"));
    }

    [Fact]
    public async Task Withdraw_BeforeStart_HoldsLeaseWithoutWritingUntilRestored()
    {
        _keeper.Withdraw(WithdrawalReasons.HealthGate);
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Withdrawn, TimeSpan.FromSeconds(1));
        await _time.AdvanceAsync(Ttl);

        Assert.Equal(0, _api.Count("put"));
        Assert.Empty(_api.RecordLeases());

        _keeper.Restore(WithdrawalReasons.HealthGate);
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromMilliseconds(100));

        var lease = _keeper.Status.LeaseId;
        Assert.Equal(new Dictionary<string, long> { [Records[0].Key] = lease, [Records[1].Key] = lease }, _api.RecordLeases());
        Assert.Equal(1, _api.Count("grant"));
    }

    [Fact]
    public async Task Restore_OneOfTwoReasonsLeft_KeepsRecordsOut()
    {
        const WithdrawalReasons other = (WithdrawalReasons)2;
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));

        _keeper.Withdraw(WithdrawalReasons.HealthGate);
        _keeper.Withdraw(other);
        _keeper.Restore(WithdrawalReasons.HealthGate);
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Withdrawn, TimeSpan.FromMilliseconds(100));
        await _time.AdvanceAsync(Ttl);
        Assert.Empty(_api.RecordLeases());

        _keeper.Restore(other);
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, _api.RecordLeases().Count);
    }

    [Fact]
    public async Task Withdraw_KeyTakenOverByAnotherLease_LeavesThatKeyAlone()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        _api.WriteForeign(Records[0].Key, lease: 42);

        _keeper.Withdraw(WithdrawalReasons.HealthGate);
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Withdrawn, TimeSpan.FromMilliseconds(100));

        Assert.Equal(new Dictionary<string, long> { [Records[0].Key] = 42 }, _api.RecordLeases());
    }

    [Fact]
    public async Task RequestRewrite_WhileWithdrawn_WritesNothing()
    {
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
        _keeper.Withdraw(WithdrawalReasons.HealthGate);
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Withdrawn, TimeSpan.FromMilliseconds(100));
        var puts = _api.Count("put");

        _keeper.RequestRewrite();
        await _time.AdvanceAsync(Ttl);

        Assert.Equal(puts, _api.Count("put"));
        Assert.Empty(_api.RecordLeases());
    }

    [Fact]
    public async Task Withdrawn_LeaseLost_GrantsNewLeaseWithoutRecords()
    {
        _keeper.Withdraw(WithdrawalReasons.HealthGate);
        _keeper.Start();
        await _time.AdvanceUntilAsync(() => _keeper.Status.State == LeaseKeeperState.Withdrawn, TimeSpan.FromSeconds(1));
        var oldLease = _keeper.Status.LeaseId;

        _api.Wipe();
        await _time.AdvanceUntilAsync(
            () => _keeper.Status is { State: LeaseKeeperState.Withdrawn } s && s.LeaseId != oldLease,
            Ttl / 3 + TimeSpan.FromMilliseconds(200));

        Assert.Equal(0, _api.Count("put"));
        Assert.True(_api.IsAlive(_keeper.Status.LeaseId));
    }
}
