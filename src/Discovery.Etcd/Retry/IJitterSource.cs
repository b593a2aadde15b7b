namespace Discovery.Etcd.Retry;

/// <summary>The randomness a backoff draws its jitter from, behind a seam so unit tests choose the draws.</summary>
internal interface IJitterSource
{
    /// <summary>
    /// A number in [0, 1). 0 keeps a pause at its ceiling; a number near 1 takes the policy's whole jitter fraction
    /// off it (<see cref="ExponentialBackoff.DelayBefore"/>).
    /// </summary>
    double NextFraction();
}

/// <summary>The process's shared, thread-safe <see cref="Random"/>.</summary>
internal sealed class SharedJitterSource : IJitterSource
{
    public static readonly SharedJitterSource Instance = new();

    private SharedJitterSource()
    {
    }

    public double NextFraction() => Random.Shared.NextDouble();
}
