using Discovery.ClientFactory.LoadTracking;
using Discovery.Testing;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.LoadTracking;

public sealed class CallTrackingTests
{
    private readonly FakeTimeProvider _time = new();

    private long Now => CoarseClock.Milliseconds(_time);

    [Fact]
    public void Complete_TimedCall_RecordsItsLatency()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var tracking = load.StartCall(timed: true, Now);

        _time.Advance(TimeSpan.FromMilliseconds(30));
        tracking.Complete(StatusCode.OK);

        Assert.Equal((30_000_000L, 0L), (load.LagNanoseconds, load.InFlight));
    }

    [Fact]
    public async Task CompleteWhen_PendingTimedResponse_ReportsWhenItFails()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var tracking = load.StartCall(timed: true, Now);
        var response = new TaskCompletionSource<string>();

        tracking.CompleteWhen(response.Task);
        var inFlightWhilePending = load.InFlight;
        _time.Advance(TimeSpan.FromMilliseconds(5));
        response.SetException(new RpcException(new Status(StatusCode.Unavailable, "down")));

        // The report may run on the thread pool (a synchronization context forbids running it inline).
        await Eventually.UntilAsync(() => load.InFlight == 0, TimeSpan.FromSeconds(10), "the failed call is reported");
        Assert.Equal((1L, 0L, 5_000_000L), (inFlightWhilePending, load.Success, load.LagNanoseconds));
    }

    [Fact]
    public async Task CompleteWhen_PendingUntimedResponse_EndsTheCallWithoutStatistics()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var tracking = load.StartCall(timed: false, Now);
        var response = new TaskCompletionSource<string>();

        tracking.CompleteWhen(response.Task);
        var inFlightWhilePending = load.InFlight;
        response.SetException(new RpcException(new Status(StatusCode.Unavailable, "down")));

        await Eventually.UntilAsync(() => load.InFlight == 0, TimeSpan.FromSeconds(10), "the call's end is reported");
        Assert.Equal((1L, (long)EndpointLoad.FullSuccess), (inFlightWhilePending, load.Success));
    }

    [Fact]
    public async Task CompleteWhen_TimedSampleReused_EachCallReportsItsOwnLatency()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstTracking = load.StartCall(timed: true, Now);
        firstTracking.CompleteWhen(first.Task);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        first.SetResult("pong");
        await Eventually.UntilAsync(() => load.InFlight == 0, TimeSpan.FromSeconds(10), "the first call is reported");
        var lagAfterFirst = load.LagNanoseconds;

        _time.Advance(TimeSpan.FromSeconds(10));
        var second = load.StartCall(timed: true, Now);
        _time.Advance(TimeSpan.FromMilliseconds(2));
        second.Complete(StatusCode.OK);

        // 10 ms, then 2 ms weighted 1 - e^-1 (10 s since the first): the second sample saw its own start.
        var expected = (10_000_000 * Math.Exp(-1)) + (2_000_000 * (1 - Math.Exp(-1)));
        Assert.Equal(10_000_000L, lagAfterFirst);
        Assert.InRange(load.LagNanoseconds, expected - 1000, expected + 1000);
        Assert.True(second.IsTimed);
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
