using Discovery.Testing;
using Grpc.Core;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Discovery.ClientFactory.Tests.Diagnostics;

/// <summary>The client-side health check is opt-in, and an etcd outage with a last known view is Degraded at most.</summary>
public sealed class EtcdClientsCheckTests
{
    private const string DeadEtcd = "http://127.0.0.1:1";

    [Fact]
    public async Task UseEtcd_EtcdDownAndNoOptIn_ReportsNoUnhealthyCheck()
    {
        using var host = await StartClientAppAsync(DeadEtcd, optIn: null);
        await CallOnceAsync(host);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.DoesNotContain("discovery-etcd-clients", report.Entries.Keys);
    }

    [Theory]
    [InlineData(null, HealthStatus.Unhealthy)]
    [InlineData(HealthStatus.Degraded, HealthStatus.Degraded)]
    public async Task AddEtcdClientsCheck_EtcdNeverAnswered_ReportsTheFailureStatus(HealthStatus? failureStatus, HealthStatus expected)
    {
        using var host = await StartClientAppAsync(DeadEtcd, optIn: b => b.AddEtcdClientsCheck(failureStatus: failureStatus, tags: ["ready"]));
        await CallOnceAsync(host);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        var entry = Assert.Single(report.Entries);
        Assert.Equal("discovery-etcd-clients", entry.Key);
        Assert.Equal(expected, entry.Value.Status);
    }

    [Fact]
    public async Task AddEtcdClientsCheck_EtcdStopsAfterAView_DegradedNeverUnhealthy()
    {
        await using var etcd = await EtcdNode.StartAsync();
        using var host = await StartClientAppAsync(etcd.ClientUrl, optIn: b => b.AddEtcdClientsCheck());
        await CallOnceAsync(host);
        var checks = host.Services.GetRequiredService<HealthCheckService>();
        await Eventually.UntilAsync(async () => (await checks.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(10), "a current view");

        await etcd.StopAsync();
        var seen = new List<HealthStatus>();
        await Eventually.UntilAsync(
            async () =>
            {
                var status = (await checks.CheckHealthAsync()).Status;
                seen.Add(status);
                return status == HealthStatus.Degraded;
            },
            TimeSpan.FromSeconds(15),
            "a stale view reported Degraded");
        for (var i = 0; i < 5; i++)
        {
            seen.Add((await checks.CheckHealthAsync()).Status);
            await Task.Delay(200);
        }

        Assert.DoesNotContain(HealthStatus.Unhealthy, seen);
    }

    private static async Task<IHost> StartClientAppAsync(string etcdUrl, Action<IHealthChecksBuilder>? optIn)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Discovery:Etcd:Endpoints:0"] = etcdUrl,
            ["Discovery:Clients:EchoClient:Service"] = ServiceNames.New("health"),
            ["Discovery:Clients:EchoClient:StaleViewThreshold"] = "00:00:01",
            ["Discovery:Clients:EchoClient:StartupWait"] = "00:00:00.100",
        });
        builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd();

        // The application's own health checks, mapped to every probe it has: nothing of ours may appear unless asked for.
        var checks = builder.Services.AddHealthChecks();
        optIn?.Invoke(checks);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // The view is made with the client's first channel: one call (it fails, there is no instance) creates it.
    private static async Task CallOnceAsync(IHost host)
    {
        var client = host.Services.GetRequiredService<Echo.EchoClient>();
        await Assert.ThrowsAsync<RpcException>(async () =>
            await client.UnaryEchoAsync(new EchoRequest { Message = "hi" }, deadline: DateTime.UtcNow.AddSeconds(3)));
    }
}
