using System.Diagnostics;
using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>A deploy: every server in turn sent SIGTERM, waited for and started again, under continuous load.</summary>
public sealed class RollingRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RollingRestart_ThreeServersUnderLoad_NoCallFails()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("roll");
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1", "s2", "s3");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service);
        client.StartLoad();
        await client.WaitServedByEachAsync(["s1", "s2", "s3"], TimeSpan.FromSeconds(20));

        var clock = Stopwatch.StartNew();
        var restarts = 0;
        do
        {
            foreach (var id in new[] { "s1", "s2", "s3" })
            {
                var port = servers[id].Port;
                await servers.StopGracefullyAsync(id);
                await servers.StartOneAsync(id, port);
                await client.WaitServedByAsync(id, TimeSpan.FromSeconds(20));
                restarts++;
            }
        }
        while (clock.Elapsed < ScenarioLength.RollingRestart);

        var summary = await client.StopAsync();
        output.WriteLine($"{restarts} restarts in {clock.Elapsed.TotalSeconds:0.0} s: {summary}");
        Assert.True(summary.Failed == 0, summary.ToString());
    }
}
