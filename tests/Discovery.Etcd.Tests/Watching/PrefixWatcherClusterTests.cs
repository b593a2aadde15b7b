using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Testing;
using Etcdserverpb;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>Acceptance (e): member failures of a 3-member cluster while a writer churns; each test owns its cluster.</summary>
public sealed class PrefixWatcherClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Watch_MemberItTalksToKilled_MovesToAnotherMemberAndConverges()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var scenario = await ChurnScenario.StartAsync(cluster.ClientUrls, cluster.ClientUrls, output);
        var members = await MembersByIdAsync(cluster);
        var killedId = await StreamMemberAsync(scenario.Watcher);

        await members[killedId].KillAsync();
        await scenario.WaitInterruptedAsync();

        await scenario.ChurnThenConvergeAsync("after kill -9 of the member it talked to");
        Assert.NotEqual(killedId, scenario.Watcher.Watcher.StreamMemberId);
    }

    [Fact]
    public async Task Watch_LeaderKilled_Converges()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var scenario = await ChurnScenario.StartAsync(cluster.ClientUrls, cluster.ClientUrls, output);
        var members = await MembersByIdAsync(cluster);
        var leader = await cluster.FindLeaderAsync();
        var watchedLeader = members[await StreamMemberAsync(scenario.Watcher)] == leader;
        output.WriteLine($"the watcher talks to {(watchedLeader ? "the leader" : "a follower")}");

        await leader.KillAsync();
        await cluster.FindLeaderAsync();

        await scenario.ChurnThenConvergeAsync("after kill -9 of the leader");
    }

    [Fact]
    public async Task Watch_MemberItTalksToFrozen_DetectsTheHangMovesAndConverges()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var members = await MembersByIdAsync(cluster);
        var watcher = WatcherUnderTest.Start(cluster.ClientUrls, ChurnScenario.Service, output);
        await watcher.WaitSyncedAsync();
        var frozen = members[await StreamMemberAsync(watcher)];
        // The writer and the reads that the view is compared with avoid the frozen member: they are not under test.
        var others = string.Join(',', cluster.Members.Where(m => m != frozen).Select(m => m.ClientUrl));
        await using var scenario = await ChurnScenario.StartAsync(watcher, others, output);
        Assert.Same(frozen, members[watcher.Watcher.StreamMemberId]);

        frozen.Pause();
        var clock = Stopwatch.StartNew();
        await scenario.WaitInterruptedAsync(TimeSpan.FromSeconds(6));
        output.WriteLine($"hang detected after {clock.ElapsedMilliseconds} ms");
        await scenario.ChurnThenConvergeAsync("while the member it talked to is frozen", TimeSpan.FromSeconds(10));
        output.WriteLine($"converged on another member {clock.ElapsedMilliseconds} ms after the freeze");
        Assert.NotSame(frozen, members[watcher.Watcher.StreamMemberId]);

        scenario.Churn.Resume();
        frozen.Resume();
        await scenario.ChurnThenConvergeAsync("after SIGCONT of the frozen member");
    }

    // A synced view comes from the listing; the member id from the watch stream's first reply, which may come later.
    private static async Task<ulong> StreamMemberAsync(WatcherUnderTest watcher)
    {
        await Eventually.UntilAsync(() => watcher.Watcher.StreamMemberId != 0, TimeSpan.FromSeconds(5), "the watch stream's first reply");
        return watcher.Watcher.StreamMemberId;
    }

    private static async Task<Dictionary<ulong, EtcdNode>> MembersByIdAsync(EtcdCluster cluster)
    {
        var members = new Dictionary<ulong, EtcdNode>();
        foreach (var member in cluster.Members)
        {
            using var connection = new EtcdConnection(new EtcdOptions { Endpoints = [member.ClientUrl] });
            var status = await connection.Maintenance.StatusAsync(new StatusRequest(), connection.UnaryOptions(CancellationToken.None));
            members[status.Header.MemberId] = member;
        }

        return members;
    }
}
