using Discovery.Simulation;
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
    private const int Clients = SubsetSimulation.Clients;
    private const int Size = SubsetSimulation.Size;

    private static readonly string[] s_before = SubsetSimulation.Before;
    private static readonly string[] s_leaving = SubsetSimulation.Leaving;
    private static readonly string[] s_after = SubsetSimulation.After;

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

    private SubsetFigures Report(string name, HashSet<string>[] before, HashSet<string>[] after)
    {
        var figures = SubsetSimulation.Measure(before, after);
        output.WriteLine($"{name,-24} {figures}");
        return figures;
    }
}
