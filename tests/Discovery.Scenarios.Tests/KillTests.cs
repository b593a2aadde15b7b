using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>A crash: one of three servers killed with SIGKILL under load; its record stays until the lease expires.</summary>
public sealed class KillTests(ITestOutputHelper output)
{
    private const int Concurrency = 8;

    [Fact]
    public async Task Kill9_OneOfThreeWithDefaults_FailuresAtMostConcurrency()
    {
        var summary = await RunAsync(retryUnavailable: false);
        Assert.True(summary.Failed <= Concurrency, summary.ToString());
    }

    [Fact]
    public async Task Kill9_OneOfThreeWithRetryOption_NoCallFails()
    {
        var summary = await RunAsync(retryUnavailable: true);
        Assert.True(summary.Failed == 0, summary.ToString());
    }

    private async Task<LoadSummary> RunAsync(bool retryUnavailable)
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("kill");
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1", "s2", "s3");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service, retryUnavailable);
        client.StartLoad(Concurrency);
        await client.WaitServedByEachAsync(["s1", "s2", "s3"], TimeSpan.FromSeconds(20));

        var killed = servers["s2"];
        await servers.KillAsync("s2");

        // The record outlives the process by the lease TTL (10 s): load runs until etcd dropped it and a while after.
        await killed.WaitUnregisteredAsync(etcdClient, TimeSpan.FromSeconds(30));
        await client.WaitServedByAsync("s1", TimeSpan.FromSeconds(10));
        await client.WaitServedByAsync("s3", TimeSpan.FromSeconds(10));
        var summary = await client.StopAsync();
        output.WriteLine($"retry option {(retryUnavailable ? "on" : "off")}: {summary}");
        return summary;
    }
}
