using System.Diagnostics;
using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>
/// Constant churn: around six servers, one stopped (SIGTERM, every third by SIGKILL) or started every 1 to 2 s, with
/// a client on the retry option. Afterwards the client holds exactly one subchannel per live instance and one watcher.
/// </summary>
public sealed class ChurnTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Churn_SixServersWithRetryOption_NoCallFailsAndNothingLeaks()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("churn");
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        var next = 0;
        await servers.StartAsync([.. Enumerable.Range(0, 6).Select(_ => $"c{++next}")]);
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service, retryUnavailable: true);
        client.StartLoad();
        await client.WaitServedByEachAsync(servers.Live.ToList(), TimeSpan.FromSeconds(20));

        var random = new Random(6);
        var pending = new List<Task>();
        var (stops, kills, starts) = (0, 0, 0);
        long? firstMemory = null;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ScenarioLength.Churn)
        {
            var live = servers.Live.Count;
            var registered = servers.Registered;
            if (registered.Count > 1 && (live >= 7 || (live > 5 && random.Next(2) == 0)))
            {
                var victim = registered[random.Next(registered.Count)];
                pending.Add(++stops % 3 == 0 ? servers.KillAsync(victim) : servers.StopGracefullyAsync(victim));
                kills += stops % 3 == 0 ? 1 : 0;
            }
            else
            {
                pending.Add(servers.StartOneAsync($"c{++next}"));
                starts++;
            }

            var step = clock.Elapsed + TimeSpan.FromMilliseconds(1000 + random.Next(1000));
            await Eventually.UntilAsync(() => clock.Elapsed >= step, TimeSpan.FromSeconds(5), "the next churn step");
            if (firstMemory is null && clock.Elapsed >= ScenarioLength.ChurnFirstMemory)
            {
                firstMemory = MemoryAfterFullGc();
            }
        }

        await Task.WhenAll(pending);
        var liveIds = servers.Live.ToList();
        await client.WaitServedByEachAsync(liveIds, TimeSpan.FromSeconds(20));

        // Killed servers' records expire with their lease (10 s); then etcd, the client's view and its subchannels agree.
        await Eventually.UntilAsync(
            async () => (await etcdClient.GetPrefixAsync(service + "/")).Count == liveIds.Count,
            TimeSpan.FromSeconds(30),
            "etcd holding exactly the live servers");
        await Eventually.UntilAsync(() => client.Subchannels == liveIds.Count, TimeSpan.FromSeconds(10), "one subchannel per live instance");
        var summary = await client.StopAsync();
        var lastMemory = MemoryAfterFullGc();
        output.WriteLine(
            $"{clock.Elapsed.TotalSeconds:0} s: {starts} starts, {stops - kills} SIGTERM, {kills} SIGKILL; live {liveIds.Count}, subchannels {client.Subchannels}, watchers {client.Watchers}; "
            + $"memory after full GC {firstMemory / 1024:N0} KiB at {ScenarioLength.ChurnFirstMemory.TotalSeconds:0} s, {lastMemory / 1024:N0} KiB at the end; {summary}");
        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.Equal(liveIds.Count, client.Subchannels);
        Assert.Equal(1, client.Watchers);
    }

    private static long MemoryAfterFullGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
