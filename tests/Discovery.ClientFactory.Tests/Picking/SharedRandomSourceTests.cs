using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class SharedRandomSourceTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void NextDistinctPair_ManyDraws_EveryOrderedPairEquallyOften(int count)
    {
        const int PerPair = 4000;
        var pairs = count * (count - 1);
        var seen = new Dictionary<(int, int), int>();

        for (var i = 0; i < PerPair * pairs; i++)
        {
            var pair = SharedRandomSource.Instance.NextDistinctPair(count);
            seen[pair] = seen.GetValueOrDefault(pair) + 1;
        }

        // Every key distinct and in range; each of the count * (count - 1) pairs within 12 % of even (over 7 sd).
        Assert.All(seen.Keys, p => Assert.True(p.Item1 != p.Item2 && p.Item1 is >= 0 && p.Item1 < count && p.Item2 >= 0 && p.Item2 < count, $"pair {p}"));
        Assert.Equal(pairs, seen.Count);
        Assert.All(seen.Values, n => Assert.InRange(n, PerPair * 0.88, PerPair * 1.12));
    }
}
