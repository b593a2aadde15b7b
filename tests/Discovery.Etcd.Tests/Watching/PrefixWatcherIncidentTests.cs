using System.Diagnostics;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>
/// Acceptance (a) to (d): a writer churns the records of a service while a watcher runs; after each incident the
/// writer pauses and the watcher's view must equal etcd's range read within 3 s, and a set of records the writer
/// never touches must be in every view the watcher emits. Each test owns its etcd.
/// </summary>
public sealed class PrefixWatcherIncidentTests(ITestOutputHelper output)
{
        
    [Fact]
    public async Task Watch_EtcdKilledAndRestartedWithItsData_ConvergesAndNeverLosesStableRecords()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var scenario = await ChurnScenario.StartAsync(node.ClientUrl, node.ClientUrl, output);

        await node.KillAsync();
        await scenario.WaitInterruptedAsync();
        await node.StartAgainAsync();

        await scenario.ChurnThenConvergeAsync("after a kill -9 and restart");
    }

    [Fact]
    public async Task Watch_EtcdRestartedWithWipedData_KeepsMissingRecordsForGraceThenConverges()
    {
        // Long enough that a stalled test host (a second or more on a loaded 2-core machine) cannot push the late
        // re-registration below past it: the point is what the view does within the grace period, not how close to
        // its end a write can land.
        var grace = TimeSpan.FromSeconds(5);
        await using var node = await EtcdNode.StartAsync();
        await using var scenario = await ChurnScenario.StartAsync(node.ClientUrl, node.ClientUrl, output, grace);
        string[] late = ["10.8.1.1:9090", "10.8.1.2:9090"];
        await scenario.PutAllAsync(late);
        // Recording starts once the view holds them, so a view emitted before their puts arrived is not a violation.
        await scenario.Watcher.WaitSyncedAsync(v => late.All(a => v.Instances.Any(e => e.Address == a)));
        scenario.Watcher.Record([.. ChurnScenario.Stable, .. late]);

        // Paused across the wipe so etcd comes back below the revision the watcher saw, as after a real data loss.
        await scenario.Churn.PauseAsync();
        await Eventually.UntilAsync(() => scenario.Watcher.Watcher.Current.Instances.Count >= ChurnScenario.Stable.Length + late.Length, ChurnScenario.Convergence, "late records seen");
        var before = scenario.Addresses();
        await node.KillAsync();
        await node.StartAgainAsync(wipeData: true);
        await scenario.PutAllAsync(ChurnScenario.Stable);
        await Eventually.UntilAsync(() => scenario.Watcher.Logs.Count("DataLoss") == 1, TimeSpan.FromSeconds(5), "data loss detected");
        Assert.Superset(before, scenario.Addresses());

        // A server that registers again late, but within the grace period, is never missing from the view.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await scenario.PutAllAsync(late);
        Assert.Equal(0, scenario.Watcher.Logs.Count("GraceExpired"));
        scenario.Churn.Resume();
        await scenario.ChurnThenConvergeAsync("after a restart with wiped data, past the grace period", grace + ChurnScenario.Convergence);
        Assert.Equal(1, scenario.Watcher.Logs.Count("GraceExpired"));
        Assert.True(scenario.Watcher.Counter(WatchMetrics.ResyncsName) >= 1, "the data-loss resync is counted");
    }

    [Fact]
    public async Task Watch_CutOffWhileHistoryIsCompactedPastItsRevision_ConvergesWhenBack()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var proxy = TcpProxy.Start(node.ClientPort);
        await using var scenario = await ChurnScenario.StartAsync(proxy.Url, node.ClientUrl, output);
        var resumeFrom = scenario.Watcher.Watcher.Current.Revision + 1;

        proxy.Cut();
        await scenario.WaitInterruptedAsync();
        await scenario.Churn.WaitForWritesAsync(50, ChurnScenario.WriteDeadline);
        var compactedTo = await ServiceRecords.CurrentRevisionAsync(scenario.Writer);
        await ServiceRecords.CompactAsync(scenario.Writer, compactedTo);
        await scenario.Churn.WaitForWritesAsync(20, ChurnScenario.WriteDeadline);
        proxy.Restore();

        Assert.True(compactedTo > resumeFrom, $"compacted to {compactedTo}, past the watcher's resume point {resumeFrom}");
        await scenario.ChurnThenConvergeAsync("after a compaction while cut off");
        Assert.True(scenario.Watcher.Counter(WatchMetrics.ResyncsName) >= 1, "the resync is counted");
    }

    [Fact]
    public async Task Watch_EtcdPausedTenSeconds_DetectsTheHangAndConvergesAfterResume()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var scenario = await ChurnScenario.StartAsync(node.ClientUrl, node.ClientUrl, output);

        node.Pause();
        var paused = Stopwatch.StartNew();
        await scenario.WaitInterruptedAsync(TimeSpan.FromSeconds(6));
        output.WriteLine($"hang detected after {paused.ElapsedMilliseconds} ms");
        // The incident itself: etcd stays frozen for 10 s.
        await Task.Delay(TimeSpan.FromSeconds(10) - paused.Elapsed);
        node.Resume();

        await scenario.ChurnThenConvergeAsync("after SIGSTOP for 10 s and SIGCONT");
    }
}
