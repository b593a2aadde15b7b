using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Tracking;
using Discovery.Testing;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Tracking;

public sealed class CallTrackingTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Complete_TimedCall_RecordsItsLatency()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var tracking = new CallTracking();
        tracking.Attach(load, _time.GetTimestamp());

        _time.Advance(TimeSpan.FromMilliseconds(30));
        tracking.Complete(StatusCode.OK, _time);

        Assert.Equal((30_000_000L, 0L), (load.LagNanoseconds, load.InFlight));
    }

    [Fact]
    public void Complete_UntimedCall_OnlyLeavesTheInFlightCount()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var tracking = new CallTracking();
        tracking.AttachUntimed(load);
        var inFlight = load.InFlight;

        _time.Advance(TimeSpan.FromMilliseconds(30));
        tracking.Complete(StatusCode.Unavailable, _time);

        Assert.Equal((1L, 0L, 0L, (long)EndpointLoad.FullSuccess), (inFlight, load.InFlight, load.LagNanoseconds, load.Success));
    }

    [Fact]
    public void Complete_SecondReport_IsIgnored()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var tracking = new CallTracking();
        tracking.Attach(load, _time.GetTimestamp());

        tracking.Complete(StatusCode.OK, _time);
        tracking.Complete(StatusCode.OK, _time);

        Assert.Equal(0, load.InFlight);
    }

    [Fact]
    public async Task CompleteWith_PendingResponse_ReportsWhenItFails()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var tracking = new CallTracking();
        tracking.Attach(load, _time.GetTimestamp());
        var response = new TaskCompletionSource<string>();

        tracking.CompleteWith(response.Task, _time);
        var inFlightWhilePending = load.InFlight;
        _time.Advance(TimeSpan.FromMilliseconds(5));
        response.SetException(new RpcException(new Status(StatusCode.Unavailable, "down")));

        // The report may run on the thread pool (a synchronization context forbids running it inline).
        await Eventually.UntilAsync(() => load.InFlight == 0, TimeSpan.FromSeconds(10), "the failed call is reported");
        Assert.Equal((1L, 0L), (inFlightWhilePending, load.Success));
    }

    [Theory]
    [InlineData(TaskStatus.RanToCompletion, StatusCode.OK)]
    [InlineData(TaskStatus.Canceled, StatusCode.Cancelled)]
    [InlineData(TaskStatus.Faulted, StatusCode.DeadlineExceeded)]
    public void StatusOf_CompletedResponse_IsTheStatusTheCallerSees(TaskStatus outcome, StatusCode expected)
    {
        var response = outcome switch
        {
            TaskStatus.RanToCompletion => Task.FromResult("pong"),
            TaskStatus.Canceled => Task.FromCanceled<string>(new CancellationToken(canceled: true)),
            _ => Task.FromException<string>(new RpcException(new Status(StatusCode.DeadlineExceeded, "late"))),
        };

        Assert.Equal(expected, CallTracking.StatusOf(response));
    }
}
