using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class RandomPickerTests
{
    [Fact]
    public void Pick_ScriptedDraws_ReturnsTheDrawnEndpoints()
    {
        var picker = new RandomPicker(TestEndpoints.Many("a", "b", "c"), new ScriptedRandom(2, 0, 1));

        var picks = Enumerable.Range(0, 3).Select(_ => picker.Pick(null).Id).ToList();

        Assert.Equal(["c", "a", "b"], picks);
    }
}
