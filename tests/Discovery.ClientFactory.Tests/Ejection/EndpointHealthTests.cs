using System.Diagnostics.Metrics;
using Discovery.ClientFactory.Ejection;
using Discovery.Etcd;
using Discovery.Testing;
using Discovery.Testing.Fakes;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Ejection;

public sealed class EndpointHealthTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void ReportTransportFailure_RepeatedEjections_BackoffDoubles()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.None);

        var first = health.ReportTransportFailure();
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = health.ReportTransportFailure();

        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), (first!.Value, second!.Value));
    }

    [Fact]
    public void ReportTransportFailure_ManyEjectionsInARow_CapsAt30Seconds()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.None);
        var lengths = new List<double>();

        for (var i = 0; i < 8; i++)
        {
            var length = health.ReportTransportFailure()!.Value;
            lengths.Add(length.TotalSeconds);
            _time.Advance(length);
        }

        Assert.Equal(new double[] { 1, 2, 4, 8, 16, 30, 30, 30 }, lengths);
    }

    [Fact]
    public void ReportTransportFailure_HighestDraw_ShortensByAFifthAtMost()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.Highest);

        var first = health.ReportTransportFailure()!.Value;
        _time.Advance(first);
        var second = health.ReportTransportFailure()!.Value;

        Assert.InRange(first, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(1));
        Assert.InRange(second, TimeSpan.FromMilliseconds(1600), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void ReportTransportFailure_Jittered_EjectsForTheDrawnLength()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.Highest);
        var length = health.ReportTransportFailure()!.Value;

        _time.Advance(length - TimeSpan.FromMilliseconds(1));
        var before = health.IsEjected;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal((true, false), (before, health.IsEjected));
    }

    [Fact]
    public void IsEjected_BackoffElapsed_ReturnsFalse()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.None);
        health.ReportTransportFailure();
        var during = health.IsEjected;

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal((true, false), (during, health.IsEjected));
    }

    [Fact]
    public void ReportSuccess_AfterEjections_ResetsTheBackoff()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.None);
        health.ReportTransportFailure();
        _time.Advance(TimeSpan.FromSeconds(1));
        health.ReportTransportFailure();
        _time.Advance(TimeSpan.FromSeconds(2));
        health.ReportSuccess();

        Assert.Equal(TimeSpan.FromSeconds(1), health.ReportTransportFailure());
    }

    [Fact]
    public void Complete_TransportError_EjectsOnce()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.None);
        var ejections = 0;
        var tracker = new EjectionTracker(health, _ => ejections++);

        tracker.Complete(new CompletionContext { Error = new HttpRequestException("Connection refused") });
        tracker.Complete(new CompletionContext { Error = new HttpRequestException("Connection refused") });

        Assert.Equal(1, ejections);
    }

    [Fact]
    public void Complete_TransportErrorTwice_CountsOneEjectionForTheService()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meters.GetRequiredService<IMeterFactory>();
        using var ejections = new MetricCollector<long>(meterFactory, DiscoveryTelemetry.MeterName, EjectionMetrics.EjectionsName);
        var tracker = new EjectionTracker(new EndpointHealth(_time, ScriptedJitter.None), _ => { }, new EjectionMetrics(meterFactory), "echo");

        tracker.Complete(new CompletionContext { Error = new HttpRequestException("Connection refused") });
        tracker.Complete(new CompletionContext { Error = new HttpRequestException("Connection refused") });

        var ejection = Assert.Single(ejections.GetMeasurementSnapshot());
        Assert.Equal(1, ejection.Value);
        Assert.Equal("echo", ejection.Tags[TelemetryAttributes.Service]);
    }

    [Fact]
    public void Complete_Cancelled_DoesNotEject()
    {
        var health = new EndpointHealth(_time, ScriptedJitter.None);
        var tracker = new EjectionTracker(health, _ => { });

        tracker.Complete(new CompletionContext { Error = new OperationCanceledException() });

        Assert.False(health.IsEjected);
    }
}
