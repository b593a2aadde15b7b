using Discovery.ClientFactory.Subsetting;

namespace Discovery.ClientFactory.Tests.Subsetting;

/// <summary>Subsets of many clients over many servers, computed with no process: connections per server and churn.</summary>
internal static class SubsetSimulation
{
    public const string Service = "echo";

    /// <summary>Each client's subset on the ring, the client at <paramref name="positions"/>[i].</summary>
    public static HashSet<string>[] RingSubsets(IReadOnlyList<string> servers, IReadOnlyList<ulong> positions, int size)
    {
        var ring = new SubsetRing<string>(servers, static s => s);
        return [.. positions.Select(position =>
        {
            var chosen = new HashSet<string>(StringComparer.Ordinal);
            ring.Choose(position, size, static _ => true, chosen);
            return chosen;
        })];
    }

    /// <summary>go-zero's subsetting: each client shuffles the list it is given and keeps the first <paramref name="size"/>.</summary>
    public static HashSet<string>[] RandomSubsets(IReadOnlyList<string> servers, int clients, int size, Random random) =>
        [.. Enumerable.Range(0, clients).Select(_ => Shuffled(servers, random).Take(size).ToHashSet(StringComparer.Ordinal))];

    /// <summary>Positions of clients 0..count-1 by index (van der Corput).</summary>
    public static ulong[] IndexedPositions(int count) => [.. Enumerable.Range(0, count).Select(i => SubsetPosition.Of(Service, i))];

    /// <summary>Positions of clients without an index: one random id each.</summary>
    public static ulong[] RandomPositions(int count, Random random) => [.. Enumerable.Range(0, count).Select(_ => ((ulong)random.NextInt64() << 1) ^ (ulong)random.NextInt64())];

    /// <summary>Connections per server over the mean: the most loaded and the least loaded.</summary>
    public static (double Max, double Min) Balance(IReadOnlyList<string> servers, IEnumerable<HashSet<string>> subsets)
    {
        var load = servers.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        foreach (var subset in subsets)
        {
            foreach (var server in subset)
            {
                load[server]++;
            }
        }

        var mean = load.Values.Average();
        return (load.Values.Max() / mean, load.Values.Min() / mean);
    }

    /// <summary>Members each client lost (and so replaced) between two moments.</summary>
    public static int[] Changes(HashSet<string>[] before, HashSet<string>[] after) =>
        [.. before.Select((subset, i) => subset.Count(member => !after[i].Contains(member)))];

    private static List<string> Shuffled(IReadOnlyList<string> servers, Random random)
    {
        var list = servers.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        return list;
    }
}
