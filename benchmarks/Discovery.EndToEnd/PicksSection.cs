using System.Diagnostics;
using Discovery.PickScaling;

namespace Discovery.EndToEnd;

/// <summary>
/// Pick cost against fleet size: every picker at 3, 100 and 5,000 instances (the same pickers over never-connected
/// subchannels as the BenchmarkDotNet rows, <see cref="PickerFixture"/>). A sample is a Stopwatch loop of many picks;
/// the sizes take turns within a round (3 100 5,000, then 5,000 100 3), and each round gives one ratio per picker.
/// </summary>
internal static class PicksSection
{
    public static readonly int[] Sizes = [3, 100, 5_000];

    public static void Run(BenchOptions options, Report report)
    {
        Report.Section($"Pick cost against fleet size ({options.PickRounds} rounds, samples of about {Report.F(options.PickSampleMilliseconds, "0")} ms, all instances READY)");
        var fixtures = Sizes.Select(n => new PickerFixture(n)).ToArray();
        var rows = PickerFixture.Rows;

        // Warm up (tiered JIT) and size each picker's sample from its cost at the largest fleet.
        var picks = new int[rows.Count];
        for (var row = 0; row < rows.Count; row++)
        {
            foreach (var fixture in fixtures)
            {
                Loop(fixture, row, 20_000);
            }
        }

        for (var row = 0; row < rows.Count; row++)
        {
            foreach (var fixture in fixtures)
            {
                Loop(fixture, row, 20_000);
            }

            var (ns, _) = Loop(fixtures[^1], row, 20_000);
            picks[row] = (int)Math.Clamp(options.PickSampleMilliseconds * 1e6 / ns, 1_000, 10_000_000);
        }

        var nanoseconds = rows.Select(_ => fixtures.Select(_ => new Samples()).ToArray()).ToArray();
        var bytes = rows.Select(_ => fixtures.Select(_ => new Samples()).ToArray()).ToArray();
        var ratios = rows.Select(_ => new Samples()).ToArray();
        for (var round = 0; round < options.PickRounds; round++)
        {
            for (var row = 0; row < rows.Count; row++)
            {
                var order = round % 2 == 0 ? Enumerable.Range(0, fixtures.Length) : Enumerable.Range(0, fixtures.Length).Reverse();
                var perPick = new double[fixtures.Length];
                foreach (var f in order)
                {
                    var (ns, allocated) = Loop(fixtures[f], row, picks[row]);
                    perPick[f] = ns;
                    nanoseconds[row][f].Add(ns);
                    bytes[row][f].Add(allocated);
                }

                ratios[row].Add(perPick[^1] / perPick[0]);
            }
        }

        Report.Table(
            ["picker (per call)", "3: ns/pick", "100: ns/pick", "5,000: ns/pick", "5,000 vs 3 (rounds)", "B/pick at 5,000"],
            rows.Select((r, i) => (IReadOnlyList<string>)[
                r.Name,
                Report.F(nanoseconds[i][0].Median, "0.0"),
                Report.F(nanoseconds[i][1].Median, "0.0"),
                Report.F(nanoseconds[i][2].Median, "0.0"),
                ratios[i].Spread("0.00"),
                Report.F(bytes[i][2].Median, "0"),
            ]));
        Report.Note("Per call: the interceptor's routing read and call slot, load tracking for p2c and least_request, and the pick.");

        for (var i = 0; i < rows.Count; i++)
        {
            var key = $"picks.{rows[i].Key}";
            for (var f = 0; f < fixtures.Length; f++)
            {
                report.Set($"{key}.ns{Sizes[f]}", nanoseconds[i][f].Median);
            }

            report.Set($"{key}.ratio", ratios[i].Median);
            report.Set($"{key}.ratioMin", ratios[i].Min);
            report.Set($"{key}.ratioMax", ratios[i].Max);
            report.Set($"{key}.bytesPerPick", bytes[i][2].Median);
        }

        var worst = Enumerable.Range(0, rows.Count).MaxBy(i => ratios[i].Median);
        var best = Enumerable.Range(0, rows.Count).MinBy(i => ratios[i].Median);
        report.Target(
            "pick at 5,000 vs at 3 instances, every picker",
            "<= 2x",
            $"worst {Report.F(ratios[worst].Median)}x ({rows[worst].Key}, rounds {Report.F(ratios[worst].Min)}-{Report.F(ratios[worst].Max)}), best {Report.F(ratios[best].Median)}x ({rows[best].Key})",
            ratios.All(r => r.Median <= 2));
    }

    /// <summary><paramref name="count"/> picks: nanoseconds and bytes allocated per pick.</summary>
    private static (double Nanoseconds, double Bytes) Loop(PickerFixture fixture, int row, int count)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            fixture.Pick(row);
        }

        var end = Stopwatch.GetTimestamp();
        return (Samples.Milliseconds(start, end) * 1e6 / count, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)count);
    }
}
