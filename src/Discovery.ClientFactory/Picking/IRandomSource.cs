namespace Discovery.ClientFactory.Picking;

/// <summary>The randomness pickers use, behind a seam so unit tests choose the draws.</summary>
internal interface IRandomSource
{
    /// <summary>A number in [0, <paramref name="maxExclusive"/>).</summary>
    int Next(int maxExclusive);

    /// <summary>Two distinct numbers in [0, <paramref name="count"/>), <paramref name="count"/> at least 2, uniformly.</summary>
    (int First, int Second) NextDistinctPair(int count)
    {
        var first = Next(count);
        var second = Next(count - 1);
        return (first, second >= first ? second + 1 : second);
    }
}

/// <summary>The process's shared, thread-safe <see cref="Random"/>.</summary>
internal sealed class SharedRandomSource : IRandomSource
{
    public static readonly SharedRandomSource Instance = new();

    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);

    /// <summary>
    /// One draw of 63 random bits split in a 31-bit and a 32-bit part, each scaled to its range by a multiply and a
    /// shift (Lemire): half the cost of two draws, with a bias under count / 2^31, far below what a picker could notice.
    /// </summary>
    public (int First, int Second) NextDistinctPair(int count)
    {
        var bits = (ulong)Random.Shared.NextInt64();
        var first = (int)(((bits >> 32) * (ulong)count) >> 31);
        var second = (int)(((bits & uint.MaxValue) * (ulong)(count - 1)) >> 32);
        return (first, second >= first ? second + 1 : second);
    }
}
