using BenchmarkDotNet.Attributes;
using Discovery.ClientFactory.Picking;

namespace Discovery.Benchmarks;

/// <summary>
/// What a weighted_round_robin picker build costs (it runs on every change of the ready set): the smooth schedule for
/// fleets of 3, 100 and 5,000 instances whose weights are all equal, in three classes (100, 200, 300), or spread over
/// 100 to 1,000 (seeded), and the worst case: 361 distinct weights 1 to 361, the most distinct weights a 2^16 period
/// holds, each compared at every one of the 65,341 steps.
/// </summary>
[MemoryDiagnoser]
public class ScheduleBuildBenchmarks
{
    [ParamsSource(nameof(Fleets))]
    public Fleet Weights { get; set; } = null!;

    public static IEnumerable<Fleet> Fleets()
    {
        foreach (var instances in new[] { 3, 100, 5_000 })
        {
            var random = new Random(16);
            yield return new($"{instances}, equal", [.. Enumerable.Repeat(100, instances)]);
            yield return new($"{instances}, 3 classes", [.. Enumerable.Range(0, instances).Select(i => 100 * (1 + (i % 3)))]);
            yield return new($"{instances}, 100 to 1000", [.. Enumerable.Range(0, instances).Select(_ => random.Next(100, 1_001))]);
        }

        yield return new("361, 1 to 361 (worst case)", [.. Enumerable.Range(1, 361)]);
    }

    [Benchmark(Description = "build schedule")]
    public int Build() => SmoothWeightedSchedule.Build(Weights.Values).Length;

    /// <summary>One fleet's weights, named in the results table.</summary>
    public sealed record Fleet(string Name, int[] Values)
    {
        public override string ToString() => Name;
    }
}
