using Discovery.ClientFactory.Resolving;
using Discovery.ClientFactory.Tls;
using Discovery.Etcd;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;

namespace Discovery.ClientFactory.Tests.Tls;

public sealed class InstanceTransportFilterTests : IDisposable
{
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricCollector<long> _refused;
    private readonly TransportMetrics _metrics;

    public InstanceTransportFilterTests()
    {
        var factory = _meters.GetRequiredService<IMeterFactory>();
        _refused = new MetricCollector<long>(factory, DiscoveryTelemetry.MeterName, TransportMetrics.RefusedName);
        _metrics = new TransportMetrics(factory);
    }

    public void Dispose()
    {
        _refused.Dispose();
        _meters.Dispose();
    }

    private static ServiceInstance Plain(string address, string id) => new(address, id, null, null, 100, null);

    private static ServiceInstance Https(string address, string id, string? tlsName = "echo.internal") => new(
        address,
        id,
        null,
        null,
        100,
        tlsName is null
            ? new Dictionary<string, string> { ["scheme"] = "https" }
            : new Dictionary<string, string> { ["scheme"] = "https", ["tlsname"] = tlsName });

    private InstanceTransportFilter Filter(EtcdClientTlsOptions? tls) =>
        new("echo", "Discovery:Clients:EchoClient", tls, NullLogger.Instance, _metrics);

    private static string? HostOverrideOf(BalancerAddress address) =>
        address.Attributes.TryGetValue(InstanceTransportFilter.HostOverrideKey, out var host) ? host : null;

    [Fact]
    public void Select_PlaintextClient_KeepsPlaintextInstancesAndRefusesHttpsOnes()
    {
        var addresses = Filter(null).Select([Plain("10.0.0.1:5000", "s1"), Https("10.0.0.2:5001", "s2")], EtcdAddressAttributes.ToAddress);

        Assert.Equal(["10.0.0.1:5000"], addresses.Select(a => $"{a.EndPoint.Host}:{a.EndPoint.Port}"));
        Assert.Null(HostOverrideOf(addresses[0]));
        var refusal = Assert.Single(_refused.GetMeasurementSnapshot());
        Assert.Equal(InstanceTransportFilter.TlsRefused, refusal.Tags[TransportMetrics.ReasonAttribute]);
    }

    [Fact]
    public void Select_TlsClient_NeverFallsBackToPlaintextInstances()
    {
        var addresses = Filter(new EtcdClientTlsOptions { Enabled = true })
            .Select([Plain("10.0.0.1:5000", "s1"), Https("10.0.0.2:5001", "s2")], EtcdAddressAttributes.ToAddress);

        var address = Assert.Single(addresses);
        Assert.Equal(5001, address.EndPoint.Port);
        Assert.Equal(InstanceTransportFilter.PlaintextRefused, Assert.Single(_refused.GetMeasurementSnapshot()).Tags[TransportMetrics.ReasonAttribute]);
    }

    [Fact]
    public void Select_TlsClient_ValidatesAgainstTheRegisteredTlsNameNotTheIp()
    {
        var address = Assert.Single(Filter(new EtcdClientTlsOptions { Enabled = true }).Select([Https("10.0.0.2:5001", "s2")], EtcdAddressAttributes.ToAddress));

        Assert.Equal("echo.internal:5001", HostOverrideOf(address));
    }

    [Fact]
    public void Select_ConfiguredServerName_WinsOverTheRegisteredOne()
    {
        var filter = Filter(new EtcdClientTlsOptions { Enabled = true, ServerName = "echo.prod" });

        var address = Assert.Single(filter.Select([Https("10.0.0.2:5001", "s2", tlsName: "attacker.example")], EtcdAddressAttributes.ToAddress));

        Assert.Equal("echo.prod:5001", HostOverrideOf(address));
    }

    [Fact]
    public void Select_HttpsInstanceWithNoNameAnywhere_IsRefused()
    {
        var addresses = Filter(new EtcdClientTlsOptions { Enabled = true }).Select([Https("10.0.0.2:5001", "s2", tlsName: null)], EtcdAddressAttributes.ToAddress);

        Assert.Empty(addresses);
        Assert.Equal(InstanceTransportFilter.NoTlsNameRefused, Assert.Single(_refused.GetMeasurementSnapshot()).Tags[TransportMetrics.ReasonAttribute]);
    }

    [Fact]
    public void Select_SameRefusedInstanceInLaterViews_CountedOnceUntilItLeaves()
    {
        var filter = Filter(new EtcdClientTlsOptions { Enabled = true });
        var plain = Plain("10.0.0.1:5000", "s1");

        filter.Select([plain], EtcdAddressAttributes.ToAddress);
        filter.Select([plain], EtcdAddressAttributes.ToAddress);
        filter.Select([], EtcdAddressAttributes.ToAddress);
        filter.Select([plain], EtcdAddressAttributes.ToAddress);

        Assert.Equal(2, _refused.GetMeasurementSnapshot().Count);
    }
}
