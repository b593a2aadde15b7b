using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Diagnostics;
using Discovery.Etcd.Retry;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Discovery.Hosting.Leasing;

/// <summary>
/// Keeps a set of records in etcd under one lease for as long as it runs, through etcd outages, restarts, data
/// loss and foreign writes, and revokes the lease when stopped.
/// </summary>
/// <remarks>
/// One loop owns all state. While etcd answers it renews every TTL/3 over the raw keep-alive stream. While it does
/// not, it retries the SAME lease every <see cref="LeaseKeeperOptions.RetryInterval"/>: etcd 3.4 does not count
/// lease time while it is down and restarts leases with a full TTL, so the first answer decides: a TTL above 0
/// means the records are still there, 0 means the lease is gone (expired while we were cut off, revoked, or etcd
/// lost its data) and a new lease is granted and every record written again, retrying with backoff until it works.
/// <see cref="RequestRewrite"/> (the own-keys watch saw a record deleted or overwritten) writes them again under
/// the current lease. <see cref="Withdraw"/> and <see cref="Restore"/> take the records out of etcd and put them back
/// while the lease stays alive: each owner sets and clears its own <see cref="WithdrawalReasons"/> flag, and the
/// records are in etcd only while no flag is set. Every grant, write, delete and keep-alive is hedged (<see cref="HedgedCall"/>), so one that lands on a
/// hung cluster member is answered by another after <see cref="LeaseKeeperOptions.HedgeDelay"/> instead of waiting
/// out its deadline. It never gives up and never throws out of its loop; it logs once per state change.
/// </remarks>
internal sealed partial class LeaseKeeper : IAsyncDisposable
{
    /// <summary>The span of the first registration, from the first attempt until etcd holds the records.</summary>
    public const string RegisterSpanName = "discovery.registration.register";

    /// <summary>The span of writing the records again: under a new lease after the old one was lost, or a rewrite.</summary>
    public const string ReregisterSpanName = "discovery.registration.reregister";

    /// <summary>Why the records were written again: <c>lease_lost</c> or <c>records_changed</c> (deleted or overwritten).</summary>
    public const string ReasonAttribute = "discovery.registration.reason";

    /// <summary>The grant-and-write attempts a registration span took.</summary>
    public const string AttemptsAttribute = "discovery.registration.attempts";

    private readonly ILeaseApi _api;
    private volatile IReadOnlyList<LeaseRecord> _records;
    private readonly LeaseKeeperOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LeaseKeeperMetrics? _metrics;
    private readonly string _name;
    private readonly ResiliencePipeline _registerPipeline;
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _rewriteRequested;
    private int _updateRequested;
    private int _withdrawal;
    private Task? _loop;
    private long _leaseId;
    private long _pendingLeaseId;
    private long _lastConfirmedTicks;
    private long _recordsRevision;
    private volatile LeaseKeeperStatus _status;
    private bool _registeredOnce;
    private int _registerAttempts;
    private int _deniedWrites;

    // Loop-owned: whether our records are in etcd now (as far as we wrote them), and whether they ever were.
    private bool _recordsPresent;
    private bool _recordsWrittenOnce;
    private DateTimeOffset _lastRewriteAt = DateTimeOffset.MinValue;

    public LeaseKeeper(
        string name,
        ILeaseApi api,
        IReadOnlyList<LeaseRecord> records,
        LeaseKeeperOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        LeaseKeeperMetrics? metrics = null,
        IJitterSource? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Ttl < TimeSpan.FromSeconds(2) || options.Ttl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Ttl, "The lease TTL must be whole seconds, at least 2.");
        }

        _name = name;
        _api = api;
        _records = records;
        _options = options;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _status = new LeaseKeeperStatus(LeaseKeeperState.Starting, 0, null, 0, null);

        // Polly runs this retry (one execution retried until it works is what its retry strategy is for), but the
        // pauses come from our backoff through DelayGenerator, so every retry loop of Discovery has one formula.
        var backoff = new ExponentialBackoff(options.RegisterBackoffStart, options.RegisterBackoffMax, multiplier: 2, jitter: 0.5);
        var random = jitter ?? SharedJitterSource.Instance;
        _registerPipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is not null && !args.Context.CancellationToken.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(backoff.DelayBefore(args.AttemptNumber + 1, random)),
                OnRetry = args =>
                {
                    OnRegisterFailed(args.Outcome.Exception!);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>The current state, the lease, when etcd last confirmed the records, and the last problem.</summary>
    public LeaseKeeperStatus Status => _status;

    /// <summary>Starts the loop once; returns at once (never waits for etcd).</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("The lease keeper was already started.");
        }

        Log.Starting(_logger, _name, _records.Count, (long)_options.Ttl.TotalSeconds);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>The reasons holding the records out of etcd now; <see cref="WithdrawalReasons.None"/> when they belong there.</summary>
    public WithdrawalReasons WithdrawalReasons => (WithdrawalReasons)Volatile.Read(ref _withdrawal);

    /// <summary>
    /// Adds <paramref name="reason"/> to the reasons holding the records out of etcd. The first reason makes the loop
    /// delete the records (only the keys still attached to this lease), keeping the lease alive; before the first
    /// registration it keeps them from being written at all. Returns at once.
    /// </summary>
    public void Withdraw(WithdrawalReasons reason) => ChangeWithdrawal(reason, add: true);

    /// <summary>
    /// Removes <paramref name="reason"/>; when no reason is left the loop writes the records again under the current
    /// lease. Returns at once.
    /// </summary>
    public void Restore(WithdrawalReasons reason) => ChangeWithdrawal(reason, add: false);

    /// <summary>
    /// Replaces the records' values (same keys: a new weight) and asks the loop to write them under the current lease,
    /// at once and without counting a re-registration; while withdrawn they are written when restored. Returns at once.
    /// </summary>
    public void UpdateRecords(IReadOnlyList<LeaseRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        _records = records;
        Volatile.Write(ref _updateRequested, 1);
        Volatile.Read(ref _wake).TrySetResult();
    }

    /// <summary>True from <see cref="UpdateRecords"/> until the loop wrote the new values (or dropped the update while withdrawn).</summary>
    public bool UpdatePending => Volatile.Read(ref _updateRequested) == 1;

    /// <summary>Asks the loop to write every record again under the current lease (one was deleted or overwritten).</summary>
    public void RequestRewrite()
    {
        Volatile.Write(ref _rewriteRequested, 1);
        Volatile.Read(ref _wake).TrySetResult();
    }

    /// <summary>
    /// Stops the loop and revokes the lease (deleting every record at once), waiting at most
    /// <paramref name="revokeTimeout"/> for etcd. Never throws because etcd is away: the lease then expires on its own.
    /// </summary>
    /// <returns>False when a lease was held and etcd did not confirm its revocation (its records expire with it).</returns>
    public async Task<bool> StopAsync(TimeSpan revokeTimeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            try
            {
                await loop.WaitAsync(revokeTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The loop's calls observe the token; a call stuck past it must not hold the shutdown.
            }
        }

        var leaseId = Interlocked.Read(ref _leaseId);
        var remaining = revokeTimeout - _time.GetElapsedTime(started);
        var revoked = true;
        if (leaseId != 0)
        {
            try
            {
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException("no time was left to revoke the lease");
                }

                await _api.RevokeAsync(leaseId, remaining, cancellationToken).ConfigureAwait(false);
                Log.Revoked(_logger, _name, leaseId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.RevokeFailed(_logger, _name, leaseId, ex.Message);
                revoked = false;
            }
        }

        SetStatus(LeaseKeeperState.Stopped, null);
        return revoked;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (Volatile.Read(ref _wake).Task.IsCompleted)
                {
                    // Replace before reading the flag, so a request arriving after the read wakes the next pause.
                    Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                TimeSpan pause;
                var wanted = WithdrawalReasons == WithdrawalReasons.None;
                if (Interlocked.Read(ref _leaseId) == 0 || !_registeredOnce)
                {
                    await RegisterAsync(cancellationToken).ConfigureAwait(false);
                    pause = _options.RenewInterval;
                }
                else if (wanted != _recordsPresent)
                {
                    pause = wanted
                        ? await RestoreAsync(cancellationToken).ConfigureAwait(false)
                        : await WithdrawAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (Interlocked.Exchange(ref _updateRequested, 0) == 1 && _recordsPresent)
                {
                    // Dropped while withdrawn: a restore writes the current values anyway.
                    pause = await UpdateAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (Interlocked.Exchange(ref _rewriteRequested, 0) == 1 && _recordsPresent)
                {
                    // A rewrite asked for while the records are withdrawn is dropped: their absence is ours.
                    pause = await RewriteAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    pause = await RenewAsync(cancellationToken).ConfigureAwait(false);
                }

                await PauseAsync(pause, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Every etcd failure is handled above, so this is a bug: log it, and still never give up.
                Log.LoopFailed(_logger, _name, ex);
                SetStatus(LeaseKeeperState.Lost, ex.Message);
                try
                {
                    await PauseAsync(_options.RetryInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        using var span = _registeredOnce
            ? DiscoveryActivitySource.StartRoot(ReregisterSpanName, _name)?.SetTag(ReasonAttribute, "lease_lost")
            : DiscoveryActivitySource.StartRoot(RegisterSpanName, _name);
        _registerAttempts = 0;
        try
        {
            await RegisterWithRetriesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            span?.SetTag(AttemptsAttribute, _registerAttempts)
                .Fail(cancellationToken.IsCancellationRequested ? "stopped before the records were written" : ex.GetType().Name);
            throw;
        }

        span?.SetTag(AttemptsAttribute, _registerAttempts);
        Volatile.Write(ref _rewriteRequested, 0);
        var leaseId = Interlocked.Read(ref _leaseId);
        Confirmed();
        _registeredOnce = true;
        if (!_recordsPresent)
        {
            Log.LeaseHeldWithdrawn(_logger, _name, leaseId, WithdrawalReasons.ToString());
            SetStatus(LeaseKeeperState.Withdrawn, null);
            return;
        }

        RecordsWritten(leaseId);
        SetStatus(LeaseKeeperState.Registered, null);
    }

    private async Task RegisterWithRetriesAsync(CancellationToken cancellationToken)
    {
        await _registerPipeline.ExecuteAsync(
            static async (self, ct) =>
            {
                self._registerAttempts++;
                if (Interlocked.Read(ref self._leaseId) == 0)
                {
                    // The id is ours and kept until a grant succeeds, so hedged attempts, the channel's retries and a
                    // grant that timed out after etcd applied it all name one lease: a hung member's stale lessor
                    // then holds no orphans to revoke (an ex-leader sends at most 16 revokes at a time, each waiting
                    // 7 s, so a long list reaches the cluster seconds after it resumed).
                    if (self._pendingLeaseId == 0)
                    {
                        self._pendingLeaseId = NewLeaseId();
                    }

                    var leaseId = self._pendingLeaseId;
                    await self.HedgeAsync(
                        async (timeout, token) =>
                        {
                            await self._api.GrantAsync(leaseId, (long)self._options.Ttl.TotalSeconds, timeout, token).ConfigureAwait(false);
                            return leaseId;
                        },
                        self._options.RequestTimeout,
                        ct).ConfigureAwait(false);
                    self._pendingLeaseId = 0;
                    Interlocked.Exchange(ref self._leaseId, leaseId);
                }

                // A new lease holds no records, so a withdrawn keeper has nothing to delete: it only keeps the lease.
                self._recordsPresent = false;
                if (self.WithdrawalReasons != WithdrawalReasons.None)
                {
                    return;
                }

                try
                {
                    var revision = await self.PutAllHedgedAsync(Interlocked.Read(ref self._leaseId), ct).ConfigureAwait(false);
                    Interlocked.Exchange(ref self._recordsRevision, revision);
                    self._recordsPresent = true;
                }
                catch (LeaseNotFoundException)
                {
                    Interlocked.Exchange(ref self._leaseId, 0);
                    throw;
                }
            },
            this,
            cancellationToken).ConfigureAwait(false);
    }

    // Logs the first write of the records as the registration, and every later one (new lease) as a re-registration.
    private void RecordsWritten(long leaseId)
    {
        if (_recordsWrittenOnce)
        {
            _metrics?.Reregistered(_name, "lease_lost");
            Log.Reregistered(_logger, _name, _records.Count, leaseId);
        }
        else
        {
            Log.Registered(_logger, _name, _records.Count, leaseId, string.Join(", ", _records.Select(r => r.Key)));
        }

        _recordsWrittenOnce = true;
    }

    // Writes every record under the lease, and notes the revision of the write; a failure is reported (status, log, span).
    private async Task<PutOutcome> PutRecordsAsync(long leaseId, Activity? span, CancellationToken cancellationToken)
    {
        try
        {
            var revision = await PutAllHedgedAsync(leaseId, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _recordsRevision, revision);
            _deniedWrites = 0;
            return PutOutcome.Written;
        }
        catch (LeaseNotFoundException ex)
        {
            span.Fail("the lease is gone");
            LeaseGone(leaseId, ex.Message);
            return PutOutcome.LeaseGone;
        }
        catch (RpcException ex) when (EtcdCallErrors.IsPermissionDenied(ex))
        {
            span.Fail("permission denied");
            Denied(ex);
            return PutOutcome.Denied;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            span.Fail(ex.GetType().Name);
            Unreachable(ex);
            return PutOutcome.Unreachable;
        }
    }

    // A gone lease is registered again at once; etcd not answering is retried after a pause; a denied write (the
    // roles must change, which takes an operator) after a growing one, so a misconfigured fleet does not hammer etcd.
    private TimeSpan PauseAfter(PutOutcome outcome) => outcome switch
    {
        PutOutcome.LeaseGone => TimeSpan.Zero,
        PutOutcome.Denied => s_deniedBackoff.DelayBefore(_deniedWrites, SharedJitterSource.Instance),
        _ => _options.RetryInterval,
    };

    private void Denied(RpcException exception)
    {
        // The detail names the key, the user and the permission (EtcdCallErrors.PermissionDenied).
        var reason = exception.Status.Detail;
        if (_deniedWrites++ == 0)
        {
            Log.WriteDenied(_logger, _name, s_deniedBackoff.Max.TotalSeconds, reason);
        }
        else
        {
            Log.RegistrationAttemptFailed(_logger, _name, reason);
        }

        SetStatus(ConfirmedWithinTtl() ? LeaseKeeperState.Retrying : LeaseKeeperState.Lost, reason);
    }

    private async Task<TimeSpan> RestoreAsync(CancellationToken cancellationToken)
    {
        var leaseId = Interlocked.Read(ref _leaseId);
        var outcome = await PutRecordsAsync(leaseId, span: null, cancellationToken).ConfigureAwait(false);
        if (outcome != PutOutcome.Written)
        {
            return PauseAfter(outcome);
        }

        _recordsPresent = true;
        Volatile.Write(ref _rewriteRequested, 0);
        Confirmed();
        if (_recordsWrittenOnce)
        {
            Log.Restored(_logger, _name, _records.Count, leaseId);
        }
        else
        {
            RecordsWritten(leaseId);
        }

        SetStatus(LeaseKeeperState.Registered, null);
        return _options.RenewInterval;
    }

    private async Task<TimeSpan> WithdrawAsync(CancellationToken cancellationToken)
    {
        var leaseId = Interlocked.Read(ref _leaseId);
        long revision;
        try
        {
            // Deleting a key twice deletes nothing more, so a hedged second copy is harmless.
            revision = await HedgeAsync(
                (timeout, token) => _api.DeleteOwnedAsync(leaseId, _records, timeout, token),
                _options.RequestTimeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Unreachable(ex);
            return _options.RetryInterval;
        }

        _recordsPresent = false;
        Interlocked.Exchange(ref _recordsRevision, revision);
        Log.Withdrawn(_logger, _name, _records.Count, leaseId, WithdrawalReasons.ToString());
        SetStatus(LeaseKeeperState.Withdrawn, null);
        return _options.RenewInterval;
    }

    private void ChangeWithdrawal(WithdrawalReasons reason, bool add)
    {
        int before, after;
        do
        {
            before = Volatile.Read(ref _withdrawal);
            after = add ? before | (int)reason : before & ~(int)reason;
        }
        while (Interlocked.CompareExchange(ref _withdrawal, after, before) != before);

        if ((before == 0) != (after == 0))
        {
            Volatile.Read(ref _wake).TrySetResult();
        }
    }

    private async Task<TimeSpan> RewriteAsync(CancellationToken cancellationToken)
    {
        var sinceLast = _time.GetUtcNow() - _lastRewriteAt;
        if (sinceLast < _options.RewriteMinInterval)
        {
            Volatile.Write(ref _rewriteRequested, 1);
            return _options.RewriteMinInterval - sinceLast;
        }

        _lastRewriteAt = _time.GetUtcNow();
        var leaseId = Interlocked.Read(ref _leaseId);
        using var span = DiscoveryActivitySource.StartRoot(ReregisterSpanName, _name)?.SetTag(ReasonAttribute, "records_changed");
        var outcome = await PutRecordsAsync(leaseId, span, cancellationToken).ConfigureAwait(false);
        if (outcome != PutOutcome.Written)
        {
            // A gone lease is registered again next, in a span of its own; an unanswered write is tried again.
            if (outcome == PutOutcome.Unreachable)
            {
                Volatile.Write(ref _rewriteRequested, 1);
            }

            return PauseAfter(outcome);
        }

        Confirmed();
        _metrics?.Reregistered(_name, "records_changed");
        Log.Rewritten(_logger, _name, _records.Count, leaseId);
        SetStatus(LeaseKeeperState.Registered, null);
        return _options.RenewInterval;
    }

    private async Task<TimeSpan> UpdateAsync(CancellationToken cancellationToken)
    {
        var leaseId = Interlocked.Read(ref _leaseId);
        var outcome = await PutRecordsAsync(leaseId, span: null, cancellationToken).ConfigureAwait(false);
        if (outcome != PutOutcome.Written)
        {
            // A gone lease's new registration writes the current values; an unanswered update is tried again.
            if (outcome == PutOutcome.Unreachable)
            {
                Volatile.Write(ref _updateRequested, 1);
            }

            return PauseAfter(outcome);
        }

        Confirmed();
        Log.Updated(_logger, _name, _records.Count, leaseId);
        SetStatus(LeaseKeeperState.Registered, null);
        return _options.RenewInterval;
    }

    private async Task<TimeSpan> RenewAsync(CancellationToken cancellationToken)
    {
        var leaseId = Interlocked.Read(ref _leaseId);
        long ttl;
        try
        {
            ttl = await HedgeAsync(
                (timeout, token) => _api.KeepAliveAsync(leaseId, timeout, token),
                _options.ReplyTimeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Unreachable(ex);
            return _options.RetryInterval;
        }

        if (ttl <= 0)
        {
            LeaseGone(leaseId, "etcd answered the keep-alive with TTL 0");
            return TimeSpan.Zero;
        }

        Confirmed();
        _metrics?.Renewed(_name);
        var state = _recordsPresent ? LeaseKeeperState.Registered : LeaseKeeperState.Withdrawn;
        if (_status.State != state)
        {
            Log.Recovered(_logger, _name, leaseId, ttl);
            SetStatus(state, null);
        }

        return _options.RenewInterval;
    }

    // Positive and random: etcd takes any id but 0, and ids of its own choosing are unique per member, not random.
    private static readonly ExponentialBackoff s_deniedBackoff = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 2, 0.2);

    private static long NewLeaseId() => Random.Shared.NextInt64(1, long.MaxValue);

    // The write holds only puts of our own values under one lease, so a second copy of it changes nothing.
    private Task<long> PutAllHedgedAsync(long leaseId, CancellationToken cancellationToken) =>
        HedgeAsync((timeout, token) => _api.PutAllAsync(leaseId, _records, timeout, token), _options.RequestTimeout, cancellationToken);

    private Task<T> HedgeAsync<T>(Func<TimeSpan, CancellationToken, Task<T>> attempt, TimeSpan timeout, CancellationToken cancellationToken) =>
        HedgedCall.RunAsync(attempt, timeout, _options.HedgeDelay, _time, cancellationToken);

    private void OnRegisterFailed(Exception exception)
    {
        // Before the first registration etcd is merely away; after it, re-registering means the records are gone.
        var state = _registeredOnce ? LeaseKeeperState.Lost : LeaseKeeperState.Retrying;
        if (state != _status.State && !_registeredOnce)
        {
            Log.FirstRegistrationFailed(_logger, _name, exception.Message);
        }
        else
        {
            Log.RegistrationAttemptFailed(_logger, _name, exception.Message);
        }

        SetStatus(state, exception.Message);
    }

    private void Unreachable(Exception exception)
    {
        var state = ConfirmedWithinTtl() ? LeaseKeeperState.Retrying : LeaseKeeperState.Lost;
        if (state != _status.State)
        {
            if (state == LeaseKeeperState.Retrying)
            {
                Log.Unreachable(_logger, _name, Interlocked.Read(ref _leaseId), exception.Message);
            }
            else
            {
                Log.UnreachableForTtl(_logger, _name, Interlocked.Read(ref _leaseId), (long)_options.Ttl.TotalSeconds);
            }
        }

        SetStatus(state, exception.Message);
    }

    private void LeaseGone(long leaseId, string reason)
    {
        Interlocked.Exchange(ref _leaseId, 0);
        Log.LeaseLost(_logger, _name, leaseId, reason);
        SetStatus(LeaseKeeperState.Lost, reason);
    }

    private void Confirmed() => Interlocked.Exchange(ref _lastConfirmedTicks, _time.GetUtcNow().UtcTicks);

    private bool ConfirmedWithinTtl()
    {
        var ticks = Interlocked.Read(ref _lastConfirmedTicks);
        return ticks != 0 && _time.GetUtcNow() - new DateTimeOffset(ticks, TimeSpan.Zero) < _options.Ttl;
    }

    private void SetStatus(LeaseKeeperState state, string? problem)
    {
        var ticks = Interlocked.Read(ref _lastConfirmedTicks);
        _status = new LeaseKeeperStatus(
            state,
            Interlocked.Read(ref _leaseId),
            ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero),
            Interlocked.Read(ref _recordsRevision),
            problem);
    }

    private async Task PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var pause = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wake = Volatile.Read(ref _wake).Task;
        await Task.WhenAny(Task.Delay(delay, _time, pause.Token), wake).ConfigureAwait(false);
        await pause.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private enum PutOutcome
    {
        Written,
        LeaseGone,
        Unreachable,
        Denied,
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Keeping {Count} record(s) of {Name} in etcd under a {TtlSeconds} s lease")]
        public static partial void Starting(ILogger logger, string name, int count, long ttlSeconds);

        [LoggerMessage(2, LogLevel.Information, "Registered {Name} in etcd: {Count} record(s) under lease {LeaseId:x} ({Keys})")]
        public static partial void Registered(ILogger logger, string name, int count, long leaseId, string keys);

        [LoggerMessage(3, LogLevel.Warning, "Registered {Name} in etcd again: {Count} record(s) under the new lease {LeaseId:x}")]
        public static partial void Reregistered(ILogger logger, string name, int count, long leaseId);

        [LoggerMessage(4, LogLevel.Warning, "Wrote the {Count} record(s) of {Name} again under lease {LeaseId:x}: one was deleted or overwritten")]
        public static partial void Rewritten(ILogger logger, string name, int count, long leaseId);

        [LoggerMessage(5, LogLevel.Warning, "etcd does not answer; keeping lease {LeaseId:x} of {Name} and retrying: {Reason}")]
        public static partial void Unreachable(ILogger logger, string name, long leaseId, string reason);

        [LoggerMessage(6, LogLevel.Error, "etcd has not confirmed lease {LeaseId:x} of {Name} for a whole TTL ({TtlSeconds} s): its records may be gone; retrying")]
        public static partial void UnreachableForTtl(ILogger logger, string name, long leaseId, long ttlSeconds);

        [LoggerMessage(7, LogLevel.Information, "etcd answers again and still holds lease {LeaseId:x} of {Name} (TTL {Ttl} s)")]
        public static partial void Recovered(ILogger logger, string name, long leaseId, long ttl);

        [LoggerMessage(8, LogLevel.Warning, "Lease {LeaseId:x} of {Name} is gone ({Reason}); granting a new one and registering again")]
        public static partial void LeaseLost(ILogger logger, string name, long leaseId, string reason);

        [LoggerMessage(9, LogLevel.Warning, "Cannot register {Name} in etcd yet, retrying until it answers: {Reason}")]
        public static partial void FirstRegistrationFailed(ILogger logger, string name, string reason);

        [LoggerMessage(18, LogLevel.Warning, "etcd denied writing the records of {Name}; retrying with a growing pause (at most {MaxSeconds} s) until the user's roles allow it: {Reason}")]
        public static partial void WriteDenied(ILogger logger, string name, double maxSeconds, string reason);

        [LoggerMessage(10, LogLevel.Debug, "Registration attempt of {Name} failed: {Reason}")]
        public static partial void RegistrationAttemptFailed(ILogger logger, string name, string reason);

        [LoggerMessage(11, LogLevel.Information, "Revoked lease {LeaseId:x} of {Name}: its records are deleted")]
        public static partial void Revoked(ILogger logger, string name, long leaseId);

        [LoggerMessage(12, LogLevel.Warning, "Could not revoke lease {LeaseId:x} of {Name}; its records expire with the lease: {Reason}")]
        public static partial void RevokeFailed(ILogger logger, string name, long leaseId, string reason);

        [LoggerMessage(13, LogLevel.Error, "The lease keeper of {Name} failed unexpectedly; it keeps trying")]
        public static partial void LoopFailed(ILogger logger, string name, Exception exception);

        [LoggerMessage(14, LogLevel.Information, "Holding lease {LeaseId:x} of {Name} without records: they stay out of etcd while withdrawn ({Reasons})")]
        public static partial void LeaseHeldWithdrawn(ILogger logger, string name, long leaseId, string reasons);

        [LoggerMessage(15, LogLevel.Warning, "Withdrew the {Count} record(s) of {Name} from etcd ({Reasons}); keeping lease {LeaseId:x} alive")]
        public static partial void Withdrawn(ILogger logger, string name, int count, long leaseId, string reasons);

        [LoggerMessage(16, LogLevel.Information, "Restored the {Count} record(s) of {Name} in etcd under lease {LeaseId:x}")]
        public static partial void Restored(ILogger logger, string name, int count, long leaseId);

        [LoggerMessage(17, LogLevel.Information, "Updated the {Count} record(s) of {Name} in etcd under lease {LeaseId:x}")]
        public static partial void Updated(ILogger logger, string name, int count, long leaseId);
    }
}
