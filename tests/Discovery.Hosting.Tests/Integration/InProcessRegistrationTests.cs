using System.Diagnostics.Metrics;
using Discovery.Etcd;
using Discovery.Hosting.Leasing;
using Discovery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>The registration inside a test-hosted Kestrel server: health check and counters.</summary>
public sealed class InProcessRegistrationTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    [Fact]
    public async Task HealthCheck_Registered_IsHealthy()
    {
        await using var app = await StartAsync(etcd.Node.ClientUrl, "health-echo");
        var health = app.Services.GetRequiredService<HealthCheckService>();

        await Eventually.UntilAsync(
            async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy,
            TimeSpan.FromSeconds(5),
            "registration check healthy");

        var entry = (await health.CheckHealthAsync()).Entries["etcd-registration"];
        Assert.Equal("registered", entry.Description);
        Assert.Equal("Registered", entry.Data["state"]);
    }

    [Fact]
    public async Task HealthCheck_EtcdUnreachableAtStart_IsDegradedRetrying()
    {
        await using var app = await StartAsync($"http://127.0.0.1:{FreePort.Next()}", "nowhere-echo");
        var health = app.Services.GetRequiredService<HealthCheckService>();

        await Eventually.UntilAsync(
            async () => (await health.CheckHealthAsync()).Entries["etcd-registration"].Data.TryGetValue("state", out var s) && (string)s == "Retrying",
            TimeSpan.FromSeconds(5),
            "registration check retrying");

        var entry = (await health.CheckHealthAsync()).Entries["etcd-registration"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.StartsWith("retrying", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_CutOffLongerThanTtl_IsUnhealthyLostThenHealthyAgain()
    {
        await using var proxy = TcpProxy.Start(etcd.Node.ClientPort);
        await using var app = await StartAsync(proxy.Url, "lost-echo");
        var health = app.Services.GetRequiredService<HealthCheckService>();
        await Eventually.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(5), "registered");

        proxy.Cut();
        await Eventually.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Degraded, TimeSpan.FromSeconds(2), "retrying");
        await Eventually.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Unhealthy, TimeSpan.FromSeconds(3), "lost");
        var lost = (await health.CheckHealthAsync()).Entries["etcd-registration"];
        proxy.Restore();

        Assert.StartsWith("lost", lost.Description, StringComparison.Ordinal);
        await Eventually.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(3), "registered again");
    }

    [Fact]
    public async Task Counters_LeaseRenewed_CountsRenewals()
    {
        using var renewals = new CounterRecorder(LeaseKeeperMetrics.RenewalsName);
        await using var app = await StartAsync(etcd.Node.ClientUrl, "renew-echo");

        await Eventually.UntilAsync(() => renewals.Total >= 2, TimeSpan.FromSeconds(5), "two renewals counted");
    }

    [Fact]
    public async Task Counters_OwnKeyDeleted_CountsReregistration()
    {
        using var reregistrations = new CounterRecorder(LeaseKeeperMetrics.ReregistrationsName);
        await using var app = await StartAsync(etcd.Node.ClientUrl, "count-echo");
        using var client = etcd.Node.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync("count-echo/")).Count == 1, TimeSpan.FromSeconds(5), "registered");

        await client.DeleteKeyAsync((await client.GetPrefixAsync("count-echo/")).Keys.Single());

        await Eventually.UntilAsync(() => reregistrations.Total >= 1, TimeSpan.FromSeconds(2), "re-registration counted");
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync("count-echo/")).Count == 1, TimeSpan.FromSeconds(2), "record back");
    }

    private static async Task<WebApplication> StartAsync(string etcdUrl, string service)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Kestrel:EndpointDefaults:Protocols"] = "Http2";
        builder.Configuration["Discovery:Etcd:Endpoints:0"] = etcdUrl;
        builder.Configuration["Discovery:Registration:ServiceName"] = service;
        builder.Configuration["Discovery:Registration:LeaseTtl"] = "00:00:02";
        builder.Configuration["Discovery:Registration:DrainDelay"] = "00:00:00";
        builder.Services.AddEtcdRegistration();
        builder.Services.AddHealthChecks().AddEtcdRegistrationCheck();
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }

    private sealed class CounterRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public CounterRecorder(string instrument)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == DiscoveryTelemetry.MeterName && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
