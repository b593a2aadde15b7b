// Compiled into Discovery.ClientFactory.Tests (SubsetSimulationTests) and Discovery.EndToEnd (the bench's subsetting
// section), both trusted with Discovery.ClientFactory's internals.
using Discovery.ClientFactory.Subsetting;

namespace Discovery.Simulation;

/// <summary>Subsets of many clients over many servers, computed with no process: connections per server and churn.</summary>
internal static class SubsetSimulation
{
    public const string Service = "echo";

    /// <summary>Issue 16's scale: 1,000 clients with subsets of 20 over 500 servers, then 10 % of them replaced.</summary>
    public const int Clients = 1_000;

    public const int Servers = 500;

    public const int Size = 20;

    public const int Replaced = Servers / 10;

    /// <summary>The servers before, the 50 that leave (a fixed seed), and the servers after (50 new ones joined).</summary>
    public static readonly string[] Before = [.. Enumerable.Range(0, Servers).Select(i => $"10.0.{i / 250}.{i % 250}:5000")];

    public static readonly string[] Leaving = [.. new Random(16).GetItems(Before, Servers).Distinct().Take(Replaced)];

    public static readonly string[] After = [.. Before.Except(Leaving), .. Enumerable.Range(0, Replaced).Select(i => $"10.1.0.{i}:5000")];

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

    /// <summary>The figures of one scheme, from its subsets before and after 10 % of the servers were replaced.</summary>
    public static SubsetFigures Measure(HashSet<string>[] before, HashSet<string>[] after)
    {
        var (maxBefore, minBefore) = Balance(Before, before);
        var (maxAfter, minAfter) = Balance(After, after);
        var changes = Changes(before, after);
        var lost = before.Select(s => s.Count(Leaving.Contains)).ToArray();
        return new SubsetFigures(
            maxBefore, minBefore, maxAfter, minAfter, changes.Average(), changes.Max(), changes.Count(c => c > 0) / (double)before.Length, lost.Average());
    }

    private static List<string> Shuffled(IReadOnlyList<string> servers, Random random)
    {
        var list = servers.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        return list;
    }
}

/// <summary>Connections per server over the mean (before and after the replacement) and members changed per client.</summary>
internal sealed record SubsetFigures(
    double MaxBefore, double MinBefore, double MaxAfter, double MinAfter, double MeanChanged, int MaxChanged, double ClientsChanged, double MeanLost)
{
    public override string ToString() =>
        $"connections per server max/mean {MaxBefore:F3} (min/mean {MinBefore:F3}); after 10 % replaced {MaxAfter:F3} ({MinAfter:F3}); " +
        $"members changed per client mean {MeanChanged:F2}, max {MaxChanged}, clients changed {ClientsChanged:P1} (members lost per client {MeanLost:F2})";
}
