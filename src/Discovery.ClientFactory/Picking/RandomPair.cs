namespace Discovery.ClientFactory.Picking;

/// <summary>Two distinct instances drawn uniformly at random.</summary>
internal static class RandomPair
{
    public static (Endpoint First, Endpoint Second) Draw(Endpoint[] endpoints, IRandomSource random)
    {
        var (first, second) = random.NextDistinctPair(endpoints.Length);
        return (endpoints[first], endpoints[second]);
    }
}
