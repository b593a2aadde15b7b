namespace Discovery.ClientFactory.Picking;

/// <summary>Two distinct instances drawn uniformly at random.</summary>
internal static class RandomPair
{
    public static (Endpoint First, Endpoint Second) Draw(Endpoint[] endpoints, IRandomSource random)
    {
        var a = random.Next(endpoints.Length);
        var b = random.Next(endpoints.Length - 1);
        if (b >= a)
        {
            b++;
        }

        return (endpoints[a], endpoints[b]);
    }
}
