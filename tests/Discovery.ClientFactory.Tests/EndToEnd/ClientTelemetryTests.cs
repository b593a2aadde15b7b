using System.Diagnostics.Metrics;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Diagnostics;
using Discovery.Etcd;
using Discovery.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>The client's instruments, as the README's Observability section names them, against real servers.</summary>
[Collection(ThreeServersCollection.Name)]
public sealed class ClientTelemetryTests(ThreeServersFixture servers)
{
    [Fact]
    public async Task Instruments_ClientCallingThreeInstances_ReportViewInstancesAndSubchannels()
    {
        await using var client = InProcessClient.Create(servers.Etcd.ClientUrl, servers.Service);
        var meters = client.Services.GetRequiredService<IMeterFactory>();
        using var subchannels = new MetricCollector<long>(meters, DiscoveryTelemetry.MeterName, SubchannelMetrics.CountName);
        using var instances = new MetricCollector<int>(meters, DiscoveryTelemetry.MeterName, ClientViewRegistry.InstanceCountName);
        using var age = new MetricCollector<double>(meters, DiscoveryTelemetry.MeterName, ClientViewRegistry.ViewAgeName);

        await client.EchoAsync();

        instances.RecordObservableInstruments();
        age.RecordObservableInstruments();
        Assert.Equal(3, instances.LastMeasurement!.Value);
        Assert.Equal(servers.Service, instances.LastMeasurement.Tags[TelemetryAttributes.Service]);
        Assert.InRange(age.LastMeasurement!.Value, 0, 5);
        Assert.Equal(servers.Service, age.LastMeasurement.Tags[TelemetryAttributes.Service]);
        Assert.Equal(3, subchannels.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(subchannels.GetMeasurementSnapshot(), m => Assert.Equal(servers.Service, m.Tags[TelemetryAttributes.Service]));
    }

    [Fact]
    public async Task Attributes_ClientCallingThreeInstances_OnlyBoundedKeysAndNoAddress()
    {
        await using var client = InProcessClient.Create(servers.Etcd.ClientUrl, servers.Service);
        using var tags = new MeasurementTagRecorder(client.Services.GetRequiredService<IMeterFactory>());

        for (var i = 0; i < 6; i++)
        {
            await client.EchoAsync();
        }

        tags.Observe();
        Assert.Superset(
            new HashSet<string> { SubchannelMetrics.CountName, ClientViewRegistry.InstanceCountName, ClientViewRegistry.ViewAgeName, "discovery.watch.view.age", "discovery.watch.connected" },
            new HashSet<string>(tags.Instruments));
        TelemetryAssert.Bounded(tags, []);
    }
}
