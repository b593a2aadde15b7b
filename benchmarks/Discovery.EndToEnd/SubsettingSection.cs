using Discovery.Simulation;

namespace Discovery.EndToEnd;

/// <summary>
/// The subsetting simulation at issue 16's scale (no process): 1,000 clients with subsets of 20 over 500 servers, then
/// 10 % of the servers replaced, and one server leaving at a time. Our ring with a client index, our ring without one
/// (a random position per process), and go-zero's random subsetting as the baseline. The same code as
/// SubsetSimulationTests (tests/Shared/SubsetSimulation.cs).
/// </summary>
internal static class SubsettingSection
{
    /// <summary>How many of the leaving servers are each tried alone.</summary>
    private const int SingleLeaves = 10;

    public static void Run(Report report)
    {
        Report.Section($"Subsetting ({SubsetSimulation.Clients:N0} clients x {SubsetSimulation.Size} over {SubsetSimulation.Servers} servers, then {SubsetSimulation.Replaced} replaced; simulation, no process)");
        var indexed = SubsetSimulation.IndexedPositions(SubsetSimulation.Clients);
        var unindexed = SubsetSimulation.RandomPositions(SubsetSimulation.Clients, new Random(2));
        var random = new Random(1);
        var schemes = new (string Key, string Name, Func<IReadOnlyList<string>, HashSet<string>[]> Subsets)[]
        {
            ("ring", "ours, with a client index (`Subset:ClientIndex`)", servers => SubsetSimulation.RingSubsets(servers, indexed, SubsetSimulation.Size)),
            ("ringRandomPosition", "ours, no index (a random position per process)", servers => SubsetSimulation.RingSubsets(servers, unindexed, SubsetSimulation.Size)),
            ("random", "random subsetting (go-zero), baseline", servers => SubsetSimulation.RandomSubsets(servers, SubsetSimulation.Clients, SubsetSimulation.Size, random)),
        };

        var results = new List<(string Key, string Name, SubsetFigures Figures, double LeaveMean, int LeaveMax, int OthersMax)>();
        foreach (var (key, name, subsets) in schemes)
        {
            var before = subsets(SubsetSimulation.Before);
            var figures = SubsetSimulation.Measure(before, subsets(SubsetSimulation.After));

            // One server leaves: members changed by each client that held it, and by the others.
            var holders = new List<int>();
            var othersMax = 0;
            foreach (var leaving in SubsetSimulation.Leaving.Take(SingleLeaves))
            {
                var changes = SubsetSimulation.Changes(before, subsets([.. SubsetSimulation.Before.Where(s => s != leaving)]));
                for (var i = 0; i < changes.Length; i++)
                {
                    if (before[i].Contains(leaving))
                    {
                        holders.Add(changes[i]);
                    }
                    else
                    {
                        othersMax = Math.Max(othersMax, changes[i]);
                    }
                }
            }

            results.Add((key, name, figures, holders.Average(), holders.Max(), othersMax));
            var k = $"subsetting.{key}";
            report.Set($"{k}.maxOverMean", figures.MaxBefore);
            report.Set($"{k}.minOverMean", figures.MinBefore);
            report.Set($"{k}.maxOverMeanAfterReplacing", figures.MaxAfter);
            report.Set($"{k}.minOverMeanAfterReplacing", figures.MinAfter);
            report.Set($"{k}.changedPerClientAfterReplacing", figures.MeanChanged);
            report.Set($"{k}.clientsChangedAfterReplacing", figures.ClientsChanged);
            report.Set($"{k}.lostPerClientAfterReplacing", figures.MeanLost);
            report.Set($"{k}.oneLeavesChangedPerHolder", holders.Average());
            report.Set($"{k}.oneLeavesChangedPerHolderMax", holders.Max());
            report.Set($"{k}.oneLeavesChangedOthersMax", othersMax);
        }

        Report.Table(
            ["subsetting", "connections per server max / mean (min / mean)", "after 10 % replaced", "members changed per client (lost)", "clients changed", "one server leaves: changed per client holding it (max), others"],
            results.Select(r => (IReadOnlyList<string>)[
                r.Name,
                $"{Report.F(r.Figures.MaxBefore, "0.000")} ({Report.F(r.Figures.MinBefore, "0.000")})",
                $"{Report.F(r.Figures.MaxAfter, "0.000")} ({Report.F(r.Figures.MinAfter, "0.000")})",
                $"{Report.F(r.Figures.MeanChanged)} ({Report.F(r.Figures.MeanLost)})",
                $"{Report.F(r.Figures.ClientsChanged * 100, "0.0")} %",
                $"{Report.F(r.LeaveMean)} ({r.LeaveMax}), {r.OthersMax}",
            ]));
        Report.Note($"\"One server leaves\": each of {SingleLeaves} servers removed alone from the 500; random subsetting reshuffles on every update, as go-zero does.");

        var (ours, noIndex, baseline) = (results[0], results[1], results[2]);
        var worstOurs = Math.Max(ours.Figures.MaxBefore, ours.Figures.MaxAfter);
        report.Target(
            "subsetting, connections per server max / mean",
            "<= 1.15",
            $"{Report.F(ours.Figures.MaxBefore, "0.000")} (after 10 % replaced {Report.F(ours.Figures.MaxAfter, "0.000")}); no index {Report.F(noIndex.Figures.MaxBefore, "0.000")}; random baseline {Report.F(baseline.Figures.MaxBefore, "0.000")}",
            worstOurs <= 1.15);
        report.Target(
            "subset members changed per client when one of its servers leaves",
            "1",
            $"{Report.F(ours.LeaveMean)} (max {ours.LeaveMax}, others {ours.OthersMax}); no index {Report.F(noIndex.LeaveMean)}; random baseline {Report.F(baseline.LeaveMean)}",
            ours.LeaveMax == 1 && ours.LeaveMean == 1 && ours.OthersMax == 0 && noIndex.LeaveMax == 1 && noIndex.OthersMax == 0);
    }
}
