using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class PowerOfTwoChoicesPickerTests
{
    private static readonly TimeSpan ForcePick = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Pick_SlowAndFast_ChoosesTheFastOne()
    {
        var (slow, fast) = (Endpoint("slow"), Endpoint("fast"));
        Complete(slow, TimeSpan.FromMilliseconds(50));
        Complete(fast, TimeSpan.FromMilliseconds(1));
        var picker = new PowerOfTwoChoicesPicker([slow, fast], new ScriptedRandom(0), ForcePick);

        var picks = Enumerable.Range(0, 5).Select(_ => picker.Pick(null, Now).Id).Distinct().ToList();

        Assert.Equal(["fast"], picks);
    }

    [Fact]
    public void Pick_WorseOneNotPickedForTheForcePickInterval_GetsOneCall()
    {
        var (slow, fast) = (Endpoint("slow"), Endpoint("fast"));
        Complete(slow, TimeSpan.FromMilliseconds(50));
        Complete(fast, TimeSpan.FromMilliseconds(1));
        var picker = new PowerOfTwoChoicesPicker([slow, fast], new ScriptedRandom(0), ForcePick);
        picker.Pick(null, Now);

        _time.Advance(TimeSpan.FromMilliseconds(1100));
        var forced = picker.Pick(null, Now).Id;
        var next = picker.Pick(null, Now).Id;

        Assert.Equal(["slow", "fast"], [forced, next]);
    }

    [Fact]
    public void Pick_MoreCallsInFlight_RaisesTheLoad()
    {
        var (busy, idle) = (Endpoint("busy"), Endpoint("idle"));
        Complete(busy, TimeSpan.FromMilliseconds(5));
        Complete(idle, TimeSpan.FromMilliseconds(5));
        _ = busy.Load.StartCall(timed: false, 0);
        _ = busy.Load.StartCall(timed: false, 0);
        var picker = new PowerOfTwoChoicesPicker([busy, idle], new ScriptedRandom(0), ForcePick);

        Assert.Equal("idle", picker.Pick(null, Now).Id);
    }

    [Fact]
    public void Pick_UnhealthyInFirstDraw_DrawsAgain()
    {
        var endpoints = new List<Endpoint> { Endpoint("failing"), Endpoint("b"), Endpoint("c") };
        Complete(endpoints[0], TimeSpan.FromMilliseconds(1), StatusCode.Unavailable);
        Complete(endpoints[1], TimeSpan.FromMilliseconds(3));
        Complete(endpoints[2], TimeSpan.FromMilliseconds(2));
        // First draw (failing, b), second draw (b, c): both healthy, so c (lower latency) wins.
        var picker = new PowerOfTwoChoicesPicker(endpoints, new ScriptedRandom(0, 0, 1, 1), ForcePick);

        Assert.Equal("c", picker.Pick(null, Now).Id);
    }

    private long Now => CoarseClock.Milliseconds(_time);

    private Endpoint Endpoint(string id) => TestEndpoints.Create(id, time: _time);

    private void Complete(Endpoint endpoint, TimeSpan rtt, StatusCode status = StatusCode.OK)
    {
        var call = endpoint.Load.StartCall(timed: true, Now);
        Assert.True(call.IsTimed);
        _time.Advance(rtt);
        call.Complete(status);
    }
}
