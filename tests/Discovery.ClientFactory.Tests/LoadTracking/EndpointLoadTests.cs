using Discovery.ClientFactory.LoadTracking;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.LoadTracking;

public sealed class EndpointLoadTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Complete_FirstCall_LagIsItsLatency()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));

        Call(load, TimeSpan.FromMilliseconds(40), StatusCode.OK);

        Assert.Equal(40_000_000, load.LagNanoseconds);
        Assert.Equal(0, load.InFlight);
    }

    [Fact]
    public void Complete_LaterCall_AveragesWithDecayByTimeSinceTheLast()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        Call(load, TimeSpan.FromMilliseconds(40), StatusCode.OK);

        _time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(10));
        Call(load, TimeSpan.FromMilliseconds(10), StatusCode.OK);

        // 10 s since the last completion: weight e^-1 on the old 40 ms, the rest on the new 10 ms.
        var expected = (40_000_000 * Math.Exp(-1)) + (10_000_000 * (1 - Math.Exp(-1)));
        Assert.InRange(load.LagNanoseconds, expected - 1000, expected + 1000);
    }

    [Fact]
    public void Complete_ServerFailure_LowersSuccess()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        Call(load, TimeSpan.FromMilliseconds(5), StatusCode.OK);

        _time.Advance(TimeSpan.FromSeconds(5));
        Call(load, TimeSpan.FromMilliseconds(5), StatusCode.Unavailable);

        Assert.InRange(load.Success, 600, 620);
    }

    [Fact]
    public void Complete_ApplicationError_KeepsFullSuccess()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        Call(load, TimeSpan.FromMilliseconds(5), StatusCode.OK);

        _time.Advance(TimeSpan.FromSeconds(5));
        Call(load, TimeSpan.FromMilliseconds(5), StatusCode.NotFound);

        Assert.Equal(EndpointLoad.FullSuccess, load.Success);
    }

    [Fact]
    public void Complete_SeededJoiner_SlowFirstCallOnlyNudgesTheSeed()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10), initialLagNanoseconds: 1_000_000);

        _time.Advance(TimeSpan.FromMilliseconds(300));
        Call(load, TimeSpan.FromMilliseconds(200), StatusCode.OK);

        // 0.5 s since the load was created: the 200 ms cold call weighs 1 - e^-0.05, about 5 %.
        Assert.InRange(load.LagNanoseconds, 10_000_000, 12_000_000);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-8)]
    [InlineData(0.005)]
    [InlineData(0.0099)]
    [InlineData(0.01)]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void Decay_AnyFraction_MatchesExpWithin2e7(double x)
    {
        Assert.InRange(EndpointLoad.Decay(x), Math.Exp(-x) - 2e-7, Math.Exp(-x) + 2e-7);
    }

    [Fact]
    public void StartCall_SecondCallInTheSameMillisecond_IsCountedButNotTimed()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var first = load.StartCall(timed: true, Now);
        first.Complete(StatusCode.OK);

        var second = load.StartCall(timed: true, Now);

        Assert.Equal((true, false, 1L), (first.IsTimed, second.IsTimed, load.InFlight));
    }

    [Fact]
    public void StartCall_SampleInFlight_LaterCallsAreUntimedUntilItEnds()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var sample = load.StartCall(timed: true, Now);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        var during = load.StartCall(timed: true, Now);

        sample.Complete(StatusCode.OK);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var after = load.StartCall(timed: true, Now);

        Assert.Equal((false, true), (during.IsTimed, after.IsTimed));
    }

    [Fact]
    public void StartCall_UntimedPicker_NeverTimes()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));

        var call = load.StartCall(timed: false, Now);
        _time.Advance(TimeSpan.FromMilliseconds(30));
        call.Complete(StatusCode.Unavailable);

        Assert.Equal((false, 0L, 0L, (long)EndpointLoad.FullSuccess), (call.IsTimed, load.InFlight, load.LagNanoseconds, load.Success));
    }

    [Fact]
    public void StartCall_SampleOutlivesTheDecayTime_ANewCallIsTimedAndTheOldOneStillReports()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var hung = load.StartCall(timed: true, Now);
        _time.Advance(TimeSpan.FromSeconds(10));

        var next = load.StartCall(timed: true, Now);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        hung.Complete(StatusCode.DeadlineExceeded);
        var whileNextRuns = load.StartCall(timed: true, Now);
        next.Complete(StatusCode.OK);

        // The hung call's late report counts (10 s of latency, a failure) without freeing the newer sample.
        Assert.Equal((true, false, 1L), (next.IsTimed, whileNextRuns.IsTimed, load.InFlight));
        Assert.True(load.LagNanoseconds > 1_000_000_000, $"lag {load.LagNanoseconds} ns");
    }

    [Fact]
    public void Abandon_Sample_FreesItWithoutStatistics()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var sample = load.StartCall(timed: true, Now);
        _time.Advance(TimeSpan.FromMilliseconds(40));

        sample.Abandon();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var next = load.StartCall(timed: true, Now);

        Assert.Equal((0L, true, 1L), (load.LagNanoseconds, next.IsTimed, load.InFlight));
    }

    private long Now => CoarseClock.Milliseconds(_time);

    private void Call(EndpointLoad load, TimeSpan rtt, StatusCode status)
    {
        var call = load.StartCall(timed: true, Now);
        Assert.True(call.IsTimed);
        _time.Advance(rtt);
        call.Complete(status);
    }
}
