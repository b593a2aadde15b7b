namespace Discovery.ClientFactory.Picking;

/// <summary>The randomness pickers use, behind a seam so unit tests choose the draws.</summary>
internal interface IRandomSource
{
    /// <summary>A number in [0, <paramref name="maxExclusive"/>).</summary>
    int Next(int maxExclusive);
}

/// <summary>The process's shared, thread-safe <see cref="Random"/>.</summary>
internal sealed class SharedRandomSource : IRandomSource
{
    public static readonly SharedRandomSource Instance = new();

    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);
}
