using BenchmarkDotNet.Attributes;
using Discovery.ClientFactory;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;
using Discovery.ClientFactory.Tracking;
using Discovery.Etcd.Records;
using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Discovery.Benchmarks;

/// <summary>
/// The cost of one pick among three READY subchannels, against grpc-dotnet's built-in round_robin picker on the same
/// subchannels. "per call" rows include what the UseEtcd interceptor does for such a call around the pick: reading
/// the routing headers and the ambient scope, filling the thread-static call slot, and for tracked calls creating
/// the call's tracking and reporting its outcome.
/// </summary>
[MemoryDiagnoser]
public class PickBenchmarks
{
    private readonly PickContext _context = new() { Request = new HttpRequestMessage(HttpMethod.Post, "http://bench/grpc.examples.echo.Echo/UnaryEcho") };
    private readonly Metadata _routingHeaders = new Metadata().WithVersion("v1").WithHashKey("customer-42");
    private ReadySubchannels _ready = null!;
    private SubchannelPicker _builtIn = null!;
    private EtcdPicker _roundRobin = null!;
    private EtcdPicker _consistentHash = null!;
    private EtcdPicker _powerOfTwo = null!;
    private EtcdPicker _leastRequest = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _ready = await ReadySubchannels.CreateAsync(3);
        _builtIn = _ready.BuiltInRoundRobinPicker;
        _roundRobin = Build(EtcdPickers.RoundRobin);
        _consistentHash = Build(EtcdPickers.ConsistentHash);
        _powerOfTwo = Build(EtcdPickers.PowerOfTwoChoices);
        _leastRequest = Build(EtcdPickers.LeastRequest);
        CallContext.Current = CallContext.None;
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _ready.DisposeAsync();

    [Benchmark(Baseline = true, Description = "built-in round_robin")]
    public Subchannel? BuiltInRoundRobin() => _builtIn.Pick(_context).Subchannel;

    [Benchmark(Description = "round_robin, no routing")]
    public Subchannel? RoundRobin() => _roundRobin.Pick(_context).Subchannel;

    [Benchmark(Description = "round_robin, version + hash-key headers, per call")]
    public Subchannel? RoundRobinWithRouting() => PerCall(_roundRobin, _routingHeaders, tracksLoad: false);

    [Benchmark(Description = "consistent_hash, version + hash-key headers, per call")]
    public Subchannel? ConsistentHashWithRouting() => PerCall(_consistentHash, _routingHeaders, tracksLoad: false);

    [Benchmark(Description = "p2c, tracked, per call")]
    public Subchannel? PowerOfTwoChoicesTracked() => PerCall(_powerOfTwo, null, tracksLoad: true);

    [Benchmark(Description = "least_request, tracked, per call")]
    public Subchannel? LeastRequestTracked() => PerCall(_leastRequest, null, tracksLoad: true);

    // What the interceptor does around the pick: resolve routing, fill the slot, restore it, report the outcome.
    private Subchannel? PerCall(EtcdPicker picker, Metadata? headers, bool tracksLoad)
    {
        var tracking = tracksLoad ? new CallTracking() : null;
        var previous = CallContext.Enter(CallRouting.Resolve(headers), tracking);
        var result = picker.Pick(_context);
        CallContext.Exit(previous);
        tracking?.Complete(StatusCode.OK, TimeProvider.System.GetTimestamp());
        return result.Subchannel;
    }

    private EtcdPicker Build(string picker)
    {
        var options = new EtcdClientOptions { Service = "bench", Picker = picker };
        var services = new PickerServices(TimeProvider.System, SharedRandomSource.Instance, options, new RoundRobinCursor(0));
        var snapshots = _ready.Subchannels.Select((subchannel, i) =>
        {
            var address = subchannel.CurrentAddress!.EndPoint;
            var record = new EndpointRecord($"{address.Host}:{address.Port}", address.Host, address.Port, new EndpointMetadata($"s{i}", "v1", 100, null, null));
            return new EndpointSnapshot(new Endpoint(record, subchannel, new EndpointLoad(TimeProvider.System, options.P2cDecayTime)), ConnectivityState.Ready, true, null);
        }).ToList();
        return new EtcdPicker(snapshots, new BalancerSettings("bench", null, null, new PickerRegistry([]).Get(picker), services));
    }
}
