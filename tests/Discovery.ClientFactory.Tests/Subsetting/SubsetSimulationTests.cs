using Xunit.Abstractions;

namespace Discovery.ClientFactory.Tests.Subsetting;

/// <summary>
/// Issue 16's simulation at internet scale: 1,000 clients with subsets of 20 over 500 servers, then 10 % of the servers
/// replaced (50 leave, 50 new ones join). Connections per server and subset changes per client, for our ring with a
/// client index, our ring without one (a random position per process), and go-zero's random subsetting as the baseline.
/// Run with <c>--logger "console;verbosity=detailed"</c> to see the figures.
/// </summary>
public sealed class SubsetSimulationTests(ITestOutputHelper output)
{
    private const int Clients = 1_000;
    private const int Servers = 500;
    private const int Size = 20;
    private const int Replaced = Servers / 10;

    private static readonly string[] s_before = [.. Enumerable.Range(0, Servers).Select(i => $"10.0.{i / 250}.{i % 250}:5000")];
    private static readonly string[] s_leaving = [.. new Random(16).GetItems(s_before, Servers).Distinct().Take(Replaced)];
    private static readonly string[] s_after = [.. s_before.Except(s_leaving), .. Enumerable.Range(0, Replaced).Select(i => $"10.1.0.{i}:5000")];

    [Fact]
    public void Ring_WithClientIndex_BalancesBetterThanRandomAndReplacesOnlyLostMembers()
    {
        var positions = SubsetSimulation.IndexedPositions(Clients);
        var before = SubsetSimulation.RingSubsets(s_before, positions, Size);
        var after = SubsetSimulation.RingSubsets(s_after, positions, Size);
        var random = new Random(1);
        var randomBefore = SubsetSimulation.RandomSubsets(s_before, Clients, Size, random);
        var randomAfter = SubsetSimulation.RandomSubsets(s_after, Clients, Size, random);
        var noIndexPositions = SubsetSimulation.RandomPositions(Clients, new Random(2));
        var noIndexBefore = SubsetSimulation.RingSubsets(s_before, noIndexPositions, Size);
        var noIndexAfter = SubsetSimulation.RingSubsets(s_after, noIndexPositions, Size);

        var ours = Report("ring, client index", before, after);
        var noIndex = Report("ring, random position", noIndexBefore, noIndexAfter);
        var baseline = Report("random (go-zero)", randomBefore, randomAfter);

        Assert.All(before.Concat(after), subset => Assert.Equal(Size, subset.Count));
        Assert.True(ours.MaxBefore <= 1.25 && ours.MaxAfter <= 1.25, $"ring with index: {ours}");
        Assert.True(ours.MaxBefore < baseline.MaxBefore && ours.MaxAfter < baseline.MaxAfter, $"ours {ours}, random {baseline}");
        Assert.True(noIndex.MeanChanged < baseline.MeanChanged / 4, $"no index {noIndex}, random {baseline}");

        // Consistent: a client changes only the members it lost, plus those the new servers pushed out, one each.
        var lost = before.Select(s => s.Count(s_leaving.Contains)).ToArray();
        var changes = SubsetSimulation.Changes(before, after);
        Assert.All(Enumerable.Range(0, Clients), i => Assert.InRange(changes[i], lost[i], lost[i] + after[i].Count(m => m.StartsWith("10.1.", StringComparison.Ordinal))));
    }

    [Fact]
    public void Ring_OneServerLeaves_ClientsHoldingItChangeExactlyOneMemberOthersNone()
    {
        var positions = SubsetSimulation.IndexedPositions(Clients);
        var before = SubsetSimulation.RingSubsets(s_before, positions, Size);
        foreach (var leaving in s_leaving.Take(10))
        {
            var after = SubsetSimulation.RingSubsets([.. s_before.Where(s => s != leaving)], positions, Size);
            var changes = SubsetSimulation.Changes(before, after);
            for (var i = 0; i < Clients; i++)
            {
                Assert.Equal(before[i].Contains(leaving) ? 1 : 0, changes[i]);
            }
        }
    }

    [Fact]
    public void Ring_OneServerJoins_ClientsTakingItChangeExactlyOneMemberOthersNone()
    {
        var positions = SubsetSimulation.IndexedPositions(Clients);
        var before = SubsetSimulation.RingSubsets(s_before, positions, Size);
        foreach (var joining in Enumerable.Range(0, 10).Select(i => $"10.2.0.{i}:5000"))
        {
            var after = SubsetSimulation.RingSubsets([.. s_before, joining], positions, Size);
            var changes = SubsetSimulation.Changes(before, after);
            for (var i = 0; i < Clients; i++)
            {
                Assert.Equal(after[i].Contains(joining) ? 1 : 0, changes[i]);
            }
        }
    }

    private Figures Report(string name, HashSet<string>[] before, HashSet<string>[] after)
    {
        var (maxBefore, minBefore) = SubsetSimulation.Balance(s_before, before);
        var (maxAfter, minAfter) = SubsetSimulation.Balance(s_after, after);
        var changes = SubsetSimulation.Changes(before, after);
        var lost = before.Select(s => s.Count(s_leaving.Contains)).ToArray();
        var figures = new Figures(maxBefore, minBefore, maxAfter, minAfter, changes.Average(), changes.Max(), changes.Count(c => c > 0) / (double)Clients, lost.Average());
        output.WriteLine($"{name,-24} {figures}");
        return figures;
    }

    private sealed record Figures(
        double MaxBefore, double MinBefore, double MaxAfter, double MinAfter, double MeanChanged, int MaxChanged, double ClientsChanged, double MeanLost)
    {
        public override string ToString() =>
            $"connections per server max/mean {MaxBefore:F3} (min/mean {MinBefore:F3}); after 10 % replaced {MaxAfter:F3} ({MinAfter:F3}); " +
            $"members changed per client mean {MeanChanged:F2}, max {MaxChanged}, clients changed {ClientsChanged:P1} (members lost per client {MeanLost:F2})";
    }
}
