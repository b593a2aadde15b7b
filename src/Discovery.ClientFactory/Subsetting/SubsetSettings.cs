namespace Discovery.ClientFactory.Subsetting;

/// <summary>A client's subsetting: how many instances it connects to, and where it sits on the ring.</summary>
/// <param name="Size">The most instances connected.</param>
/// <param name="Position">The client's place on the service's ring (<see cref="SubsetPosition"/>).</param>
internal sealed record SubsetSettings(int Size, ulong Position)
{
    /// <summary>The settings of <paramref name="options"/>, or null when subsetting is off.</summary>
    public static SubsetSettings? Of(EtcdClientOptions options) =>
        options.Subset is { Size: > 0 } subset ? new SubsetSettings(subset.Size, SubsetPosition.Of(options.Service!, subset.ClientIndex)) : null;
}
