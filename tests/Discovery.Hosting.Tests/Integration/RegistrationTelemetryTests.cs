using System.Diagnostics;
using System.Diagnostics.Metrics;
using Discovery.Etcd;
using Discovery.Hosting.Leasing;
using Discovery.Hosting.Registration;
using Discovery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>The registration's instruments and spans, as the README's Observability section names them, against real etcd.</summary>
public sealed class RegistrationTelemetryTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Telemetry_RegisteredThenStopped_StateRegisterAndDrainSpansAndBoundedAttributes()
    {
        const string Service = "telemetry-life";
        using var spans = new ActivityRecorder(Service);
        var app = await StartAsync(etcd.Node.ClientUrl, Service, drainDelay: TimeSpan.FromMilliseconds(200));
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var tags = new MeasurementTagRecorder(meters);
        using var state = new MetricCollector<int>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.StateName);
        using var renewals = new MetricCollector<long>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.RenewalsName);

        await Eventually.UntilAsync(() => CurrentState(state) == "registered", Deadline, "state registered");
        await Eventually.UntilAsync(() => renewals.GetMeasurementSnapshot().Count >= 1, Deadline, "a renewal counted");
        Assert.Equal(Service, renewals.LastMeasurement!.Tags[TelemetryAttributes.Service]);
        var register = Assert.Single(spans.Named(LeaseKeeper.RegisterSpanName));
        Assert.NotEqual(ActivityStatusCode.Error, register.Status);
        Assert.Equal(1, register.GetTagItem(LeaseKeeper.AttemptsAttribute));
        Assert.Null(register.Parent);

        await app.StopAsync();
        Assert.Equal("deregistered", CurrentState(state));
        var drain = Assert.Single(spans.Named(EtcdRegistrationService.DrainSpanName));
        Assert.NotEqual(ActivityStatusCode.Error, drain.Status);
        Assert.True(drain.Duration >= TimeSpan.FromMilliseconds(190), $"the drain span covers the drain delay ({drain.Duration.TotalMilliseconds} ms)");
        tags.Observe();
        TelemetryAssert.Bounded(tags, spans.Stopped);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Telemetry_EtcdUnreachableThenStopped_RetryingStateAndFailedRegisterSpan()
    {
        const string Service = "telemetry-nowhere";
        using var spans = new ActivityRecorder(Service);
        var app = await StartAsync($"http://127.0.0.1:{FreePort.Next()}", Service, TimeSpan.Zero);
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var state = new MetricCollector<int>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.StateName);

        await Eventually.UntilAsync(() => CurrentState(state) == "retrying", Deadline, "state retrying");
        await app.StopAsync();

        var register = Assert.Single(spans.Named(LeaseKeeper.RegisterSpanName));
        Assert.Equal(ActivityStatusCode.Error, register.Status);
        Assert.True((int)register.GetTagItem(LeaseKeeper.AttemptsAttribute)! >= 1);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Telemetry_OwnKeyDeleted_ReregistrationCountedAndSpannedAsRecordsChanged()
    {
        const string Service = "telemetry-rewrite";
        using var spans = new ActivityRecorder(Service);
        await using var app = await StartAsync(etcd.Node.ClientUrl, Service, TimeSpan.Zero);
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var reregistrations = new MetricCollector<long>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.ReregistrationsName);
        using var client = etcd.Node.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync(Service + "/")).Count == 1, Deadline, "registered");

        await client.DeleteKeyAsync((await client.GetPrefixAsync(Service + "/")).Keys.Single());

        await Eventually.UntilAsync(() => reregistrations.GetMeasurementSnapshot().Count >= 1, Deadline, "re-registration counted");
        Assert.Equal("records_changed", reregistrations.LastMeasurement!.Tags[LeaseKeeper.ReasonAttribute]);
        Assert.Equal(Service, reregistrations.LastMeasurement.Tags[TelemetryAttributes.Service]);
        await Eventually.UntilAsync(() => spans.Named(LeaseKeeper.ReregisterSpanName).Count >= 1, Deadline, "re-registration span");
        var span = spans.Named(LeaseKeeper.ReregisterSpanName)[0];
        Assert.Equal("records_changed", span.GetTagItem(LeaseKeeper.ReasonAttribute));
        Assert.NotEqual(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task Telemetry_CutOffLongerThanTtl_LostStateThenReregistrationAfterLeaseLoss()
    {
        const string Service = "telemetry-lost";
        using var spans = new ActivityRecorder(Service);
        await using var proxy = TcpProxy.Start(etcd.Node.ClientPort);
        await using var app = await StartAsync(proxy.Url, Service, TimeSpan.Zero);
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var state = new MetricCollector<int>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.StateName);
        using var reregistrations = new MetricCollector<long>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.ReregistrationsName);
        await Eventually.UntilAsync(() => CurrentState(state) == "registered", Deadline, "registered");

        proxy.Cut();
        await Eventually.UntilAsync(() => CurrentState(state) == "lost", Deadline, "state lost after a TTL without etcd");
        proxy.Restore();

        await Eventually.UntilAsync(() => CurrentState(state) == "registered", Deadline, "registered again");
        var span = Assert.Single(spans.Named(LeaseKeeper.ReregisterSpanName), s => s.Status != ActivityStatusCode.Error);
        Assert.Equal("lease_lost", span.GetTagItem(LeaseKeeper.ReasonAttribute));
        Assert.Contains(reregistrations.GetMeasurementSnapshot(), m => (string?)m.Tags[LeaseKeeper.ReasonAttribute] == "lease_lost");
    }

    [Fact]
    public async Task Telemetry_HealthGateClosed_StateWithdrawnThenRegisteredAgain()
    {
        const string Service = "telemetry-gate";
        var healthy = true;
        await using var app = await StartAsync(etcd.Node.ClientUrl, Service, TimeSpan.Zero, builder =>
        {
            builder.Configuration["Discovery:Registration:HealthGate:Enabled"] = "true";
            builder.Configuration["Discovery:Registration:HealthGate:Period"] = "00:00:01";
            builder.Configuration["Discovery:Registration:HealthGate:UnhealthyThreshold"] = "1";
            builder.Configuration["Discovery:Registration:HealthGate:HealthyThreshold"] = "1";
            builder.Services.AddHealthChecks().AddCheck(
                "ready-check",
                () => Volatile.Read(ref healthy) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("test"),
                tags: ["ready"]);
        });
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var state = new MetricCollector<int>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.StateName);
        await Eventually.UntilAsync(() => CurrentState(state) == "registered", Deadline, "state registered");

        Volatile.Write(ref healthy, false);

        await Eventually.UntilAsync(() => CurrentState(state) == "withdrawn", Deadline, "state withdrawn");
        Volatile.Write(ref healthy, true);
        await Eventually.UntilAsync(() => CurrentState(state) == "registered", Deadline, "state registered again");
    }

    /// <summary>The state reported 1 at the latest collection; every state is reported each time, the others at 0.</summary>
    private static string? CurrentState(MetricCollector<int> state)
    {
        state.Clear();
        state.RecordObservableInstruments();
        var measurements = state.GetMeasurementSnapshot();
        Assert.Equal(measurements.Count == 0 ? 0 : LeaseKeeperMetrics.States.Count, measurements.Count);
        return measurements.SingleOrDefault(m => m.Value == 1)?.Tags[LeaseKeeperMetrics.StateAttribute] as string;
    }

    private static async Task<WebApplication> StartAsync(string etcdUrl, string service, TimeSpan drainDelay, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Kestrel:EndpointDefaults:Protocols"] = "Http2";
        builder.Configuration["Discovery:Etcd:Endpoints:0"] = etcdUrl;
        builder.Configuration["Discovery:Registration:ServiceName"] = service;
        builder.Configuration["Discovery:Registration:LeaseTtl"] = "00:00:02";
        builder.Configuration["Discovery:Registration:DrainDelay"] = drainDelay.ToString();
        builder.Services.AddEtcdRegistration();
        configure?.Invoke(builder);
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
