using BenchmarkDotNet.Attributes;
using Discovery.PickScaling;
using Grpc.Net.Client.Balancer;

namespace Discovery.Benchmarks;

/// <summary>
/// One pick of every built-in picker (and a pinned call) at 3, 100 and 5,000 instances: the cost of a pick must not
/// grow with the fleet. The pickers and their never-connected subchannels are <see cref="PickerFixture"/>'s (shared
/// with the end-to-end bench's picks section); each row is "per call": what the interceptor does around the pick
/// (routing read, call slot, tracking for p2c and least_request) plus the pick.
/// </summary>
[MemoryDiagnoser]
public class PickScalingBenchmarks
{
    private PickerFixture _fixture = null!;

    [Params(3, 100, 5_000)]
    public int Instances { get; set; }

    [GlobalSetup]
    public void Setup() => _fixture = new PickerFixture(Instances);

    [Benchmark(Description = "round_robin")]
    public Subchannel? RoundRobin() => _fixture.Pick(PickerFixture.RoundRobin);

    [Benchmark(Description = "pick_first")]
    public Subchannel? PickFirst() => _fixture.Pick(PickerFixture.PickFirst);

    [Benchmark(Description = "random")]
    public Subchannel? Random() => _fixture.Pick(PickerFixture.Random);

    [Benchmark(Description = "weighted_round_robin, weights 100 to 1,000")]
    public Subchannel? WeightedRoundRobin() => _fixture.Pick(PickerFixture.WeightedRoundRobin);

    [Benchmark(Description = "p2c, tracked")]
    public Subchannel? PowerOfTwoChoices() => _fixture.Pick(PickerFixture.PowerOfTwoChoices);

    [Benchmark(Description = "least_request, tracked")]
    public Subchannel? LeastRequest() => _fixture.Pick(PickerFixture.LeastRequest);

    [Benchmark(Description = "consistent_hash, hash-key header")]
    public Subchannel? ConsistentHash() => _fixture.Pick(PickerFixture.ConsistentHash);

    [Benchmark(Description = "round_robin, call pinned to one instance")]
    public Subchannel? Pinned() => _fixture.Pick(PickerFixture.Pinned);
}
