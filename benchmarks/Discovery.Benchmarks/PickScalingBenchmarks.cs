extern alias etcd;

using BenchmarkDotNet.Attributes;
using Discovery.ClientFactory;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;
using Discovery.Etcd.Retry;
using etcd::Discovery.Etcd;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Discovery.Benchmarks;

/// <summary>
/// One pick of every built-in picker (and a pinned call) at 3, 100 and 5,000 instances: the cost of a pick must not
/// grow with the fleet. The subchannels are grpc-dotnet's own, never connected (a picker reads only the states it was
/// built with, here all READY), so 5,000 of them cost no sockets. Each row is "per call": what the interceptor does
/// around the pick (routing read, call slot, tracking for p2c and least_request) plus the pick.
/// </summary>
[MemoryDiagnoser]
public class PickScalingBenchmarks
{
    private static readonly Lazy<IChannelControlHelper> s_controller = new(CaptureController);
    private readonly PickContext _context = new() { Request = new HttpRequestMessage(HttpMethod.Post, "http://bench/grpc.examples.echo.Echo/UnaryEcho") };
    private readonly Metadata _hashKey = new Metadata().WithHashKey("customer-42");
    private Metadata _pinned = null!;
    private DiscoveryPicker _roundRobin = null!;
    private DiscoveryPicker _pickFirst = null!;
    private DiscoveryPicker _random = null!;
    private DiscoveryPicker _weightedRoundRobin = null!;
    private DiscoveryPicker _powerOfTwo = null!;
    private DiscoveryPicker _leastRequest = null!;
    private DiscoveryPicker _consistentHash = null!;

    [Params(3, 100, 5_000)]
    public int Instances { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var subchannels = Enumerable.Range(0, Instances)
            .Select(i => s_controller.Value.CreateSubchannel(new SubchannelOptions([new BalancerAddress("127.0.0.1", 10_000 + i)])))
            .ToArray();
        _roundRobin = Build(DiscoveryPickers.RoundRobin, subchannels);
        _pickFirst = Build(DiscoveryPickers.PickFirst, subchannels);
        _random = Build(DiscoveryPickers.Random, subchannels);
        _weightedRoundRobin = Build(DiscoveryPickers.WeightedRoundRobin, subchannels);
        _powerOfTwo = Build(DiscoveryPickers.PowerOfTwoChoices, subchannels);
        _leastRequest = Build(DiscoveryPickers.LeastRequest, subchannels);
        _consistentHash = Build(DiscoveryPickers.ConsistentHash, subchannels);
        _pinned = new Metadata().WithInstance($"s{Instances / 2}");
    }

    [Benchmark(Description = "round_robin")]
    public Subchannel? RoundRobin() => PerCall(_roundRobin, null, tracksLoad: false);

    [Benchmark(Description = "pick_first")]
    public Subchannel? PickFirst() => PerCall(_pickFirst, null, tracksLoad: false);

    [Benchmark(Description = "random")]
    public Subchannel? Random() => PerCall(_random, null, tracksLoad: false);

    [Benchmark(Description = "weighted_round_robin, weights 100 to 1,000")]
    public Subchannel? WeightedRoundRobin() => PerCall(_weightedRoundRobin, null, tracksLoad: false);

    [Benchmark(Description = "p2c, tracked")]
    public Subchannel? PowerOfTwoChoices() => PerCall(_powerOfTwo, null, tracksLoad: true);

    [Benchmark(Description = "least_request, tracked")]
    public Subchannel? LeastRequest() => PerCall(_leastRequest, null, tracksLoad: true);

    [Benchmark(Description = "consistent_hash, hash-key header")]
    public Subchannel? ConsistentHash() => PerCall(_consistentHash, _hashKey, tracksLoad: false);

    [Benchmark(Description = "round_robin, call pinned to one instance")]
    public Subchannel? Pinned() => PerCall(_roundRobin, _pinned, tracksLoad: false);

    private Subchannel? PerCall(DiscoveryPicker picker, Metadata? headers, bool tracksLoad)
    {
        var previous = CallContext.Enter(CallRouting.Resolve(headers), tracksLoad);
        var result = picker.Pick(_context);
        CallContext.Exit(previous).Complete(StatusCode.OK);
        return result.Subchannel;
    }

    private static DiscoveryPicker Build(string picker, Subchannel[] subchannels)
    {
        var options = new EtcdClientOptions { Service = "bench", Picker = picker };
        var services = new PickerServices(TimeProvider.System, SharedRandomSource.Instance, options, new RoundRobinCursor(0));
        var snapshots = subchannels.Select((subchannel, i) =>
        {
            // An unconnected subchannel has no current address: the record names the one it was created for.
            var record = new ServiceInstance($"127.0.0.1:{10_000 + i}", $"s{i}", "v1", null, 100 + (i * 37 % 10 * 100), null);
            var health = new EndpointHealth(TimeProvider.System, SharedJitterSource.Instance);
            var endpoint = new Endpoint(record, subchannel, new EndpointLoad(TimeProvider.System, options.P2cDecayTime), health, new EjectionTracker(health, _ => { }));
            return new EndpointSnapshot(endpoint, ConnectivityState.Ready, true, null);
        }).ToList();
        return new DiscoveryPicker(snapshots, new BalancerSettings("bench", null, null, new PickerRegistry([]).Get(picker), services));
    }

    // grpc-dotnet hands subchannels out only through a balancer's controller: one channel whose balancer keeps it.
    private static IChannelControlHelper CaptureController()
    {
        var factory = new CapturingFactory();
        var services = new ServiceCollection()
            .AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => [new BalancerAddress("127.0.0.1", 1)]))
            .AddSingleton<LoadBalancerFactory>(factory)
            .BuildServiceProvider();
        var channel = GrpcChannel.ForAddress("static:///bench-subchannels", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceProvider = services,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new LoadBalancingConfig(CapturingFactory.PolicyName) } },
        });

        // The channel never becomes ready and lives as long as the process: the connect attempt is left pending.
        _ = channel.ConnectAsync();
        return factory.Controller.Task.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    private sealed class CapturingFactory : LoadBalancerFactory
    {
        public const string PolicyName = "bench_capture_idle";

        public TaskCompletionSource<IChannelControlHelper> Controller { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => PolicyName;

        public override LoadBalancer Create(LoadBalancerOptions options)
        {
            Controller.TrySetResult(options.Controller);
            return new IdleBalancer();
        }
    }

    private sealed class IdleBalancer : LoadBalancer
    {
        public override void RequestConnection()
        {
        }

        public override void UpdateChannelState(ChannelState state)
        {
        }
    }
}
