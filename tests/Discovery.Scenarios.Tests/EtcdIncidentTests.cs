using System.Diagnostics;
using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using dotnet_etcd;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>etcd failing under load: the leader of a cluster killed, and a single node down then back with no data.</summary>
public sealed class EtcdIncidentTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LeaderKilled_UnderLoad_NoCallFailsNoKeyMissingAndNewServerDiscovered()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var urls = cluster.Members.Select(m => m.ClientUrl).ToList();
        var leader = await cluster.FindLeaderAsync();
        var follower = cluster.Members.First(m => m != leader);
        using var etcdClient = follower.CreateClient();
        var service = ServiceNames.New("leader");
        await using var servers = new ServerSet(urls, etcdClient, service);
        await servers.StartAsync("s1", "s2", "s3");
        await using var client = await LoadClient.StartAsync(urls, service);
        client.StartLoad();
        await client.WaitServedByEachAsync(["s1", "s2", "s3"], TimeSpan.FromSeconds(20));

        await using var monitor = new RegistrationMonitor(etcdClient, service);
        await Eventually.UntilAsync(() => monitor.Reads > 3, TimeSpan.FromSeconds(10), "the monitor reading the keys");
        await leader.KillAsync();
        var newLeader = await cluster.FindLeaderAsync();

        // A lease renewal falls in the election window (TTL 10 s, renewed every 3.3 s): wait past two of them.
        await Eventually.UntilAsync(() => monitor.Reads > 150, TimeSpan.FromSeconds(60), "the monitor reading through the election");
        await servers.StartOneAsync("s4");
        await client.WaitServedByAsync("s4", TimeSpan.FromSeconds(20));

        var summary = await client.StopAsync();
        output.WriteLine($"old leader {leader.Name}, new {newLeader.Name}; monitor reads {monitor.Reads}, problems [{string.Join("; ", monitor.Problems)}]; {summary}");
        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.Empty(monitor.Problems);
    }

    [Fact]
    public async Task SingleEtcdDown_UnderLoad_NoCallFailsAndEveryServerRegistersAgainAfterWipe()
    {
        await using var etcd = await EtcdNode.StartAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("outage");
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1", "s2", "s3");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service);
        client.StartLoad();
        await client.WaitServedByEachAsync(["s1", "s2", "s3"], TimeSpan.FromSeconds(20));

        var outage = Stopwatch.StartNew();
        await etcd.KillAsync();
        var late = servers.StartUnregistered("s4");
        await late.WaitListeningAsync();
        await client.WaitServedByEachAsync(["s1", "s2", "s3"], TimeSpan.FromSeconds(20));

        await Eventually.UntilAsync(() => outage.Elapsed >= ScenarioLength.EtcdOutage, ScenarioLength.EtcdOutage + TimeSpan.FromSeconds(5), "the outage lasting its length");
        await etcd.StartAgainAsync(wipeData: true);
        var back = Stopwatch.StartNew();
        var all = new[] { "s1", "s2", "s3", "s4" };
        await Eventually.UntilAsync(
            async () => await AllRegisteredAsync(etcdClient, servers, all),
            TimeSpan.FromSeconds(20),
            "every server registered again");
        var registeredAfter = back.Elapsed;
        await client.WaitServedByAsync("s4", TimeSpan.FromSeconds(20));

        var summary = await client.StopAsync();
        output.WriteLine($"outage {ScenarioLength.EtcdOutage.TotalSeconds:0} s; all registered {registeredAfter.TotalMilliseconds:0} ms after etcd answered again; {summary}");
        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.True(registeredAfter <= TimeSpan.FromSeconds(2), $"re-registration took {registeredAfter.TotalMilliseconds:0} ms");
    }

    private static async Task<bool> AllRegisteredAsync(EtcdClient etcd, ServerSet servers, string[] ids)
    {
        var values = (await etcd.GetPrefixAsync(servers[ids[0]].Service + "/")).Values.ToList();
        return ids.All(id => values.Any(servers[id].IsOwnRecord));
    }
}
