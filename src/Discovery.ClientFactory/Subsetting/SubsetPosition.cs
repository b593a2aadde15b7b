using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Subsetting;

/// <summary>Where a client sits on a service's <see cref="SubsetRing{T}"/>.</summary>
internal static class SubsetPosition
{
    // One random id per process: every channel of the process to a service sits at one place, so they share a subset.
    private static readonly ulong s_processId = (ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.NextInt64() << 1);

    /// <summary>
    /// With a client index, the index's bits reversed (the van der Corput sequence: clients 0..C-1 spread evenly over the
    /// ring for any C); without, this process's random id. Either way turned by a hash of the service name, so client 0
    /// of every service does not start at the same place.
    /// </summary>
    public static ulong Of(string service, int? clientIndex) =>
        (clientIndex is { } index ? ReverseBits((ulong)index) : s_processId) + StableHash.Of(service);

    private static ulong ReverseBits(ulong value)
    {
        var reversed = 0UL;
        for (var bit = 0; bit < 64; bit++)
        {
            reversed = (reversed << 1) | (value & 1);
            value >>= 1;
        }

        return reversed;
    }
}
