using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class WeightedRoundRobinPickerTests
{
    [Fact]
    public void Pick_Weights123_EachWindowOfSixFollowsTheWeights()
    {
        var picker = new WeightedRoundRobinPicker([TestEndpoints.Create("a", weight: 1), TestEndpoints.Create("b", weight: 2), TestEndpoints.Create("c", weight: 3)]);

        for (var window = 0; window < 10; window++)
        {
            var counts = Enumerable.Range(0, 6).Select(_ => picker.Pick(null).Id).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(1, counts["a"]);
            Assert.Equal(2, counts["b"]);
            Assert.Equal(3, counts["c"]);
        }
    }

    [Fact]
    public void Pick_Weights511_InterleavesRatherThanBursts()
    {
        var picker = new WeightedRoundRobinPicker([TestEndpoints.Create("a", weight: 5), TestEndpoints.Create("b", weight: 1), TestEndpoints.Create("c", weight: 1)]);

        var picks = string.Concat(Enumerable.Range(0, 7).Select(_ => picker.Pick(null).Id));

        // nginx's documented smooth sequence for weights 5, 1, 1.
        Assert.Equal("aabacaa", picks);
    }
}
