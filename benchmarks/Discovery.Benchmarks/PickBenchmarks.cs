extern alias etcd;

using BenchmarkDotNet.Attributes;
using Discovery.ClientFactory;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;
using etcd::Discovery.Etcd;
using Discovery.Etcd.Retry;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client.Balancer;

namespace Discovery.Benchmarks;

/// <summary>
/// The cost of one pick among three READY subchannels, against grpc-dotnet's built-in round_robin picker on the same
/// subchannels. "per call" rows include what the UseEtcd interceptor does for such a call around the pick: reading
/// the routing headers and the ambient scope, filling the thread-static call slot, and for tracked calls counting
/// the call in flight (timing it when it is its instance's sample) and reporting its outcome. "async unary" rows run the interceptor itself around a unary call
/// whose response completes after the interceptor returned, as a real call's does: they add what the interceptor
/// costs to observe that response (and the harness's pending call, the same in every such row).
/// </summary>
[MemoryDiagnoser]
public class PickBenchmarks
{
    private static readonly Metadata s_noMetadata = [];
    private static readonly Task<Metadata> s_responseHeaders = Task.FromResult(s_noMetadata);
    private readonly PickContext _context = new() { Request = new HttpRequestMessage(HttpMethod.Post, "http://bench/grpc.examples.echo.Echo/UnaryEcho") };
    private readonly Metadata _routingHeaders = new Metadata().WithVersion("v1").WithHashKey("customer-42");
    private ReadySubchannels _ready = null!;
    private SubchannelPicker _builtIn = null!;
    private DiscoveryPicker _roundRobin = null!;
    private DiscoveryPicker _weightedRoundRobin = null!;
    private DiscoveryPicker _consistentHash = null!;
    private DiscoveryPicker _powerOfTwo = null!;
    private DiscoveryPicker _leastRequest = null!;
    private readonly RoutingInterceptor _tracking = new(tracksLoad: true);
    private readonly RoutingInterceptor _untracked = new(tracksLoad: false);
    private readonly ClientInterceptorContext<string, string> _callContext = new(
        new Method<string, string>(MethodType.Unary, "grpc.examples.echo.Echo", "UnaryEcho", Marshallers.StringMarshaller, Marshallers.StringMarshaller),
        null,
        default);
    private Interceptor.AsyncUnaryCallContinuation<string, string> _startCall = null!;
    private DiscoveryPicker? _callPicker;
    private TaskCompletionSource<string>? _pendingResponse;
    private Subchannel? _picked;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _ready = await ReadySubchannels.CreateAsync(3);
        _builtIn = _ready.BuiltInRoundRobinPicker;
        _roundRobin = Build(DiscoveryPickers.RoundRobin);
        // Weights 1:2:3 (a six-pick schedule): equal weights would reduce to plain round robin.
        _weightedRoundRobin = Build(DiscoveryPickers.WeightedRoundRobin, 100, 200, 300);
        _consistentHash = Build(DiscoveryPickers.ConsistentHash);
        _powerOfTwo = Build(DiscoveryPickers.PowerOfTwoChoices);
        _leastRequest = Build(DiscoveryPickers.LeastRequest);
        _startCall = StartCall;
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _ready.DisposeAsync();

    [Benchmark(Baseline = true, Description = "built-in round_robin")]
    public Subchannel? BuiltInRoundRobin() => _builtIn.Pick(_context).Subchannel;

    [Benchmark(Description = "round_robin, no routing, pick")]
    public Subchannel? RoundRobinPick()
    {
        // The slot as the interceptor leaves it for a call without routing on an untracked picker.
        CallContext.Current = CallContext.None;
        return _roundRobin.Pick(_context).Subchannel;
    }

    [Benchmark(Description = "round_robin, no routing, per call")]
    public Subchannel? RoundRobin() => PerCall(_roundRobin, null, tracksLoad: false);

    [Benchmark(Description = "round_robin, no routing, pick without the interceptor")]
    public Subchannel? RoundRobinWithoutInterceptor()
    {
        // The slot is empty outside an interceptor's call start: the picker reads the routing headers itself.
        var previous = CallContext.Current;
        CallContext.Current = null;
        var result = _roundRobin.Pick(_context);
        CallContext.Current = previous;
        return result.Subchannel;
    }

    [Benchmark(Description = "weighted_round_robin 1:2:3, no routing, pick")]
    public Subchannel? WeightedRoundRobinPick()
    {
        CallContext.Current = CallContext.None;
        return _weightedRoundRobin.Pick(_context).Subchannel;
    }

    [Benchmark(Description = "weighted_round_robin 1:2:3, no routing, per call")]
    public Subchannel? WeightedRoundRobin() => PerCall(_weightedRoundRobin, null, tracksLoad: false);

    [Benchmark(Description = "round_robin, version + hash-key headers, per call")]
    public Subchannel? RoundRobinWithRouting() => PerCall(_roundRobin, _routingHeaders, tracksLoad: false);

    [Benchmark(Description = "consistent_hash, version + hash-key headers, per call")]
    public Subchannel? ConsistentHashWithRouting() => PerCall(_consistentHash, _routingHeaders, tracksLoad: false);

    [Benchmark(Description = "p2c, tracked, per call")]
    public Subchannel? PowerOfTwoChoicesTracked() => PerCall(_powerOfTwo, null, tracksLoad: true);

    [Benchmark(Description = "least_request, tracked, per call")]
    public Subchannel? LeastRequestTracked() => PerCall(_leastRequest, null, tracksLoad: true);

    // What a timed pick cannot avoid: p2c reads the clock when it picks and when the call ends.
    [Benchmark(Description = "one clock read (TimeProvider.System)")]
    public long ClockRead() => TimeProvider.System.GetTimestamp();

    [Benchmark(Description = "one coarse clock read (Environment.TickCount64)")]
    public long CoarseClockRead() => Environment.TickCount64;

    [Benchmark(Description = "round_robin, no routing, async unary")]
    public Subchannel? RoundRobinAsyncUnary() => AsyncUnary(_untracked, _roundRobin);

    [Benchmark(Description = "p2c, tracked, async unary")]
    public Subchannel? PowerOfTwoChoicesAsyncUnary() => AsyncUnary(_tracking, _powerOfTwo);

    [Benchmark(Description = "least_request, tracked, async unary")]
    public Subchannel? LeastRequestAsyncUnary() => AsyncUnary(_tracking, _leastRequest);

    // A unary call through the interceptor whose response arrives after the call started; the harness's own cost (a
    // pending response and the call object) is the same in every such row.
    private Subchannel? AsyncUnary(RoutingInterceptor interceptor, DiscoveryPicker picker)
    {
        _callPicker = picker;
        _pendingResponse = new TaskCompletionSource<string>();
        var call = interceptor.AsyncUnaryCall("ping", _callContext, _startCall);
        _pendingResponse.SetResult("pong");
        return call.ResponseAsync.IsCompletedSuccessfully ? _picked : null;
    }

    private AsyncUnaryCall<string> StartCall(string request, ClientInterceptorContext<string, string> context)
    {
        _picked = _callPicker!.Pick(_context).Subchannel;
        return new AsyncUnaryCall<string>(
            _pendingResponse!.Task, s_responseHeaders, static () => Status.DefaultSuccess, static () => s_noMetadata, static () => { });
    }

    // What the interceptor does around the pick: resolve routing, fill the slot, restore it, report the outcome.
    private Subchannel? PerCall(DiscoveryPicker picker, Metadata? headers, bool tracksLoad)
    {
        var previous = CallContext.Enter(CallRouting.Resolve(headers), tracksLoad);
        var result = picker.Pick(_context);
        CallContext.Exit(previous).Complete(StatusCode.OK);
        return result.Subchannel;
    }

    private DiscoveryPicker Build(string picker, params int[] weights)
    {
        var options = new EtcdClientOptions { Service = "bench", Picker = picker };
        var services = new PickerServices(TimeProvider.System, SharedRandomSource.Instance, options, new RoundRobinCursor(0));
        var snapshots = _ready.Subchannels.Select((subchannel, i) =>
        {
            var address = subchannel.CurrentAddress!.EndPoint;
            var record = new ServiceInstance($"{address.Host}:{address.Port}", $"s{i}", "v1", null, weights.Length > 0 ? weights[i] : 100, null);
            var health = new EndpointHealth(TimeProvider.System, SharedJitterSource.Instance);
            var endpoint = new Endpoint(record, subchannel, new EndpointLoad(TimeProvider.System, options.P2cDecayTime), health, new EjectionTracker(health, _ => { }));
            return new EndpointSnapshot(endpoint, ConnectivityState.Ready, true, null);
        }).ToList();
        return new DiscoveryPicker(snapshots, new BalancerSettings("bench", null, null, new PickerRegistry([]).Get(picker), services));
    }
}
