using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class RoundRobinPickerTests
{
    [Fact]
    public void Pick_ThreeEndpoints_VisitsEachInTurn()
    {
        var endpoints = TestEndpoints.Many("a", "b", "c");
        var picker = new RoundRobinPicker(endpoints, new RoundRobinCursor(-1));

        var picks = Enumerable.Range(0, 6).Select(_ => picker.Pick(null).Id).ToList();

        Assert.Equal(["a", "b", "c", "a", "b", "c"], picks);
    }

    [Fact]
    public void Pick_SharedCursorAcrossRebuilds_KeepsTheRotation()
    {
        var endpoints = TestEndpoints.Many("a", "b", "c");
        var cursor = new RoundRobinCursor(-1);

        var first = new RoundRobinPicker(endpoints, cursor).Pick(null).Id;
        var afterRebuild = new RoundRobinPicker(endpoints, cursor).Pick(null).Id;

        Assert.Equal(["a", "b"], [first, afterRebuild]);
    }
}
