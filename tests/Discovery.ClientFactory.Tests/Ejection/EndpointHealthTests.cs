using Discovery.ClientFactory.Ejection;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Ejection;

public sealed class EndpointHealthTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void ReportTransportFailure_RepeatedEjections_BackoffDoubles()
    {
        var health = new EndpointHealth(_time);

        var first = health.ReportTransportFailure();
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = health.ReportTransportFailure();

        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), (first!.Value, second!.Value));
    }

    [Fact]
    public void IsEjected_BackoffElapsed_ReturnsFalse()
    {
        var health = new EndpointHealth(_time);
        health.ReportTransportFailure();
        var during = health.IsEjected;

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal((true, false), (during, health.IsEjected));
    }

    [Fact]
    public void ReportSuccess_AfterEjections_ResetsTheBackoff()
    {
        var health = new EndpointHealth(_time);
        health.ReportTransportFailure();
        _time.Advance(TimeSpan.FromSeconds(1));
        health.ReportSuccess();

        Assert.Equal(TimeSpan.FromSeconds(1), health.ReportTransportFailure());
    }

    [Fact]
    public void Complete_TransportError_EjectsOnce()
    {
        var health = new EndpointHealth(_time);
        var ejections = 0;
        var tracker = new EjectionTracker(health, _ => ejections++);

        tracker.Complete(new CompletionContext { Error = new HttpRequestException("Connection refused") });
        tracker.Complete(new CompletionContext { Error = new HttpRequestException("Connection refused") });

        Assert.Equal(1, ejections);
    }

    [Fact]
    public void Complete_Cancelled_DoesNotEject()
    {
        var health = new EndpointHealth(_time);
        var tracker = new EjectionTracker(health, _ => { });

        tracker.Complete(new CompletionContext { Error = new OperationCanceledException() });

        Assert.False(health.IsEjected);
    }
}
