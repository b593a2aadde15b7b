using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using dotnet_etcd;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>
/// The stale-connection black hole: an operator deletes a server's key, the server writes it again (clients see the
/// same address removed and re-added), then the server stops and is started again on the same port. Two other
/// servers keep the service up meanwhile.
/// </summary>
public sealed class ReAddedAddressTests(ITestOutputHelper output)
{
    private const int Concurrency = 8;

    [Fact]
    public async Task ReAddedAddress_StoppedGracefullyRepeatedly_NoCallFails()
    {
        var failures = await RunRoundsAsync(kill: false);
        Assert.True(failures.All(f => f == 0), $"failed calls per round: {string.Join(", ", failures)}");
    }

    [Fact]
    public async Task ReAddedAddress_KilledRepeatedly_FailuresAtMostConcurrencyPerKill()
    {
        var failures = await RunRoundsAsync(kill: true);
        Assert.True(failures.All(f => f <= Concurrency), $"failed calls per round: {string.Join(", ", failures)}");
    }

    private async Task<List<long>> RunRoundsAsync(bool kill)
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("readd");
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1", "s2", "fixed");
        var port = servers["fixed"].Port;
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service);
        client.StartLoad(Concurrency);
        await client.WaitServedByAsync("fixed", TimeSpan.FromSeconds(20));

        var failures = new List<long>();
        for (var round = 0; round < ScenarioLength.ReAddRounds; round++)
        {
            var before = client.Failed;
            await DeleteKeyAndWaitForRewriteAsync(etcdClient, service, servers["fixed"]);
            await client.WaitServedByAsync("fixed", TimeSpan.FromSeconds(20));
            if (kill)
            {
                await servers.KillAsync("fixed");
            }
            else
            {
                await servers.StopGracefullyAsync("fixed");
            }

            // Load runs on the two others while the port is closed, then the server comes back on the same port.
            await client.WaitServedByAsync("s1", TimeSpan.FromSeconds(10));
            await client.WaitServedByAsync("s2", TimeSpan.FromSeconds(10));
            await servers.StartOneAsync("fixed", port);
            await client.WaitServedByAsync("fixed", TimeSpan.FromSeconds(60));
            failures.Add(client.Failed - before);
        }

        var summary = await client.StopAsync();
        output.WriteLine($"{(kill ? "kill -9" : "SIGTERM")}: failed per round [{string.Join(", ", failures)}]; {summary}");
        return failures;
    }

    private static async Task DeleteKeyAndWaitForRewriteAsync(EtcdClient etcd, string service, EchoServerProcess server)
    {
        var key = (await etcd.GetPrefixAsync(service + "/")).Single(p => server.IsOwnRecord(p.Value)).Key;
        var revision = await etcd.CurrentRevisionAsync();
        await etcd.DeleteKeyAsync(key);
        await Eventually.UntilAsync(
            async () => (await etcd.GetPrefixAsync(service + "/")).ContainsKey(key) && await etcd.CurrentRevisionAsync() > revision + 1,
            TimeSpan.FromSeconds(10),
            $"{server} writing its deleted key again");
    }
}
