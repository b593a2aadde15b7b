using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class LeastRequestPickerTests
{
    [Fact]
    public void Pick_PairWithBusyFirst_ChoosesTheOneWithFewerCallsInFlight()
    {
        var endpoints = TestEndpoints.Many("a", "b", "c");
        _ = endpoints[0].Load.StartCall(timed: false, 0);
        _ = endpoints[0].Load.StartCall(timed: false, 0);
        _ = endpoints[2].Load.StartCall(timed: false, 0);
        // Draws a (0) then, of the remaining two, c (index 1 → 2).
        var picker = new LeastRequestPicker(endpoints, new ScriptedRandom(0, 1));

        Assert.Equal("c", picker.Pick(null, 0).Id);
    }

    [Fact]
    public void Pick_Tie_KeepsTheFirstDrawn()
    {
        var picker = new LeastRequestPicker(TestEndpoints.Many("a", "b", "c"), new ScriptedRandom(1, 0));

        Assert.Equal("b", picker.Pick(null, 0).Id);
    }
}
