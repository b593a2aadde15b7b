using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Discovery.Etcd;
using Discovery.Hosting.Leasing;
using Discovery.Hosting.Registration;
using Discovery.Testing;
using dotnet_etcd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>The control record and <see cref="IEtcdRegistration"/> of an in-process server, against real etcd.</summary>
public sealed class RegistrationControlTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Api_PauseWeightDrainResume_WritesTheControlRecordAndFollowsIt()
    {
        const string Service = "control-api";
        using var spans = new ActivityRecorder(Service);
        await using var app = await StartAsync(Service, "i1");
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var state = new MetricCollector<int>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.StateName);
        using var client = etcd.Node.CreateClient();
        var registration = app.Services.GetRequiredService<IEtcdRegistration>();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync(Service + "/")).Count == 1, Deadline, "registered");
        await Eventually.UntilAsync(async () => await StatusStateAsync(client, Service, "i1") == "registered", Deadline, "status registered");

        await registration.PauseAsync();
        Assert.Equal(RegistrationControlState.Paused, registration.State);
        Assert.Equal("""{"state":"paused"}""", (await client.GetValAsync($"_discovery/control/{Service}/i1")));
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync(Service + "/")).Count == 0, Deadline, "records withdrawn");
        await Eventually.UntilAsync(() => CurrentState(state) == "paused", Deadline, "state paused");
        await Eventually.UntilAsync(async () => await StatusStateAsync(client, Service, "i1") == "paused", Deadline, "status paused");

        await registration.SetWeightAsync(10);
        Assert.Equal(10, registration.Weight);
        await registration.DrainAsync();
        Assert.Equal(0, registration.InFlightCalls);
        await Eventually.UntilAsync(() => registration.State == RegistrationControlState.Drained, Deadline, "drained");
        await Eventually.UntilAsync(() => CurrentState(state) == "drained", Deadline, "state drained");
        await Eventually.UntilAsync(async () => await StatusStateAsync(client, Service, "i1") == "drained", Deadline, "status drained");
        var drain = Assert.Single(spans.Named(EtcdRegistrationService.DrainSpanName));
        Assert.Equal("control", drain.GetTagItem(EtcdRegistrationService.DrainTriggerAttribute));

        await registration.ResumeAsync();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync(Service + "/")).Count == 1, Deadline, "records restored");
        Assert.Contains("weight=10", (await client.GetPrefixAsync(Service + "/")).Values.Single(), StringComparison.Ordinal);
        await Eventually.UntilAsync(() => CurrentState(state) == "registered", Deadline, "state registered");
    }

    [Fact]
    public async Task ControlRecord_MalformedValue_SkippedCountedAndLastGoodKept()
    {
        const string Service = "control-malformed";
        await using var app = await StartAsync(Service, "i1");
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var skipped = new MetricCollector<long>(meters, DiscoveryTelemetry.MeterName, LeaseKeeperMetrics.ControlSkippedName);
        using var client = etcd.Node.CreateClient();
        var registration = app.Services.GetRequiredService<IEtcdRegistration>();
        await client.PutAsync($"_discovery/control/{Service}/i1", """{"state":"paused"}""");
        await Eventually.UntilAsync(() => registration.State == RegistrationControlState.Paused, Deadline, "paused");

        await client.PutAsync($"_discovery/control/{Service}/i1", "not json");

        await Eventually.UntilAsync(() => skipped.GetMeasurementSnapshot().Count == 1, Deadline, "skipped value counted");
        Assert.Equal(Service, skipped.LastMeasurement!.Tags[TelemetryAttributes.Service]);
        Assert.Equal(RegistrationControlState.Paused, registration.State);
        await client.PutAsync($"_discovery/control/{Service}/i1", """{"state":"active"}""");
        await Eventually.UntilAsync(() => registration.State == RegistrationControlState.Active, Deadline, "the watch went on: active");
    }

    [Fact]
    public async Task Restart_SameIdWhileControlRecordSaysPaused_StartsPausedWithoutRegistering()
    {
        const string Service = "control-restart";
        using var client = etcd.Node.CreateClient();
        await client.PutAsync($"_discovery/control/{Service}/i1", """{"state":"paused","weight":5}""");
        var before = (await client.GetAsync("any")).Header.Revision;

        await using var app = await StartAsync(Service, "i1");
        var registration = app.Services.GetRequiredService<IEtcdRegistration>();

        await Eventually.UntilAsync(async () => await StatusStateAsync(client, Service, "i1") == "paused", Deadline, "status paused");
        Assert.Equal(RegistrationControlState.Paused, registration.State);
        Assert.Equal(5, registration.Weight);

        // No record under the service (the keeper holds them out until the control record was read).
        var history = await client.GetAsync(new Etcdserverpb.RangeRequest
        {
            Key = Google.Protobuf.ByteString.CopyFromUtf8(Service + "/"),
            RangeEnd = Google.Protobuf.ByteString.CopyFromUtf8(Service + "0"),
            MinModRevision = before + 1,
        });
        Assert.Empty(history.Kvs);
        Assert.Empty(await client.GetPrefixAsync(Service + "/"));
    }

    private static async Task<string?> StatusStateAsync(EtcdClient client, string service, string instanceId)
    {
        var value = await client.GetValAsync($"_discovery/status/{service}/{instanceId}");
        return string.IsNullOrEmpty(value) ? null : JsonDocument.Parse(value).RootElement.GetProperty("state").GetString();
    }

    private static string? CurrentState(MetricCollector<int> state)
    {
        state.Clear();
        state.RecordObservableInstruments();
        return state.GetMeasurementSnapshot().SingleOrDefault(m => m.Value == 1)?.Tags[LeaseKeeperMetrics.StateAttribute] as string;
    }

    private async Task<WebApplication> StartAsync(string service, string instanceId)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Kestrel:EndpointDefaults:Protocols"] = "Http2";
        builder.Configuration["Discovery:Etcd:Endpoints:0"] = etcd.Node.ClientUrl;
        builder.Configuration["Discovery:Registration:ServiceName"] = service;
        builder.Configuration["Discovery:Registration:InstanceId"] = instanceId;
        builder.Configuration["Discovery:Registration:LeaseTtl"] = "00:00:02";
        builder.Configuration["Discovery:Registration:DrainDelay"] = "00:00:00";
        builder.Services.AddGrpc();
        builder.Services.AddEtcdRegistration();
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
