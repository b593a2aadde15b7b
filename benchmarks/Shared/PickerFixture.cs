// Compiled into Discovery.Benchmarks (BenchmarkDotNet rows) and Discovery.EndToEnd (the bench's picks section), both
// trusted with Discovery.ClientFactory's internals. Discovery.Benchmarks also sees Discovery.Etcd's internals, so it
// references that assembly under an alias (see its csproj).
#if DISCOVERY_ETCD_ALIASED
extern alias etcd;
using etcd::Discovery.Etcd;
#else
using Discovery.Etcd;
#endif
using Discovery.ClientFactory;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;
using Discovery.Etcd.Retry;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Discovery.Testing.Fakes;

namespace Discovery.PickScaling;

/// <summary>One row of the pick-scaling figures: a picker and how the call is routed; <c>Key</c> names it in JSON.</summary>
internal sealed record PickerRow(string Key, string Name, string Picker, PickerRowHeaders Headers, bool TracksLoad);

/// <summary>What the call carries: nothing, a hash key, or a pin to one instance.</summary>
internal enum PickerRowHeaders
{
    None,
    HashKey,
    Pinned,
}

/// <summary>
/// Every built-in picker (and a pinned call) over <c>n</c> instances, READY. The subchannels are grpc-dotnet's own,
/// never connected (a picker reads only the states it was built with), so 5,000 of them cost no sockets. A pick is
/// "per call": what the interceptor does around the pick (routing read, call slot, tracking for p2c and
/// least_request) plus the pick.
/// </summary>
internal sealed class PickerFixture
{
    public const int RoundRobin = 0;
    public const int PickFirst = 1;
    public const int Random = 2;
    public const int WeightedRoundRobin = 3;
    public const int PowerOfTwoChoices = 4;
    public const int LeastRequest = 5;
    public const int ConsistentHash = 6;
    public const int Pinned = 7;

    /// <summary>The rows, indexed by the constants above.</summary>
    public static readonly IReadOnlyList<PickerRow> Rows =
    [
        new("round_robin", "round_robin", DiscoveryPickers.RoundRobin, PickerRowHeaders.None, false),
        new("pick_first", "pick_first", DiscoveryPickers.PickFirst, PickerRowHeaders.None, false),
        new("random", "random", DiscoveryPickers.Random, PickerRowHeaders.None, false),
        new("weighted_round_robin", "weighted_round_robin, weights 100 to 1,000", DiscoveryPickers.WeightedRoundRobin, PickerRowHeaders.None, false),
        new("p2c", "p2c, tracked", DiscoveryPickers.PowerOfTwoChoices, PickerRowHeaders.None, true),
        new("least_request", "least_request, tracked", DiscoveryPickers.LeastRequest, PickerRowHeaders.None, true),
        new("consistent_hash", "consistent_hash, hash-key header", DiscoveryPickers.ConsistentHash, PickerRowHeaders.HashKey, false),
        new("pinned", "round_robin, call pinned to one instance", DiscoveryPickers.RoundRobin, PickerRowHeaders.Pinned, false),
    ];

    private readonly PickContext _context = new() { Request = new HttpRequestMessage(HttpMethod.Post, "http://bench/grpc.examples.echo.Echo/UnaryEcho") };
    private readonly DiscoveryPicker[] _pickers;
    private readonly Metadata?[] _headers;
    private readonly bool[] _tracksLoad;

    public PickerFixture(int instances)
    {
        Instances = instances;
        var subchannels = Enumerable.Range(0, instances)
            .Select(i => IdleSubchannels.Create(10_000 + i))
            .ToArray();
        var byPicker = Rows.Select(r => r.Picker).Distinct().ToDictionary(p => p, p => Build(p, subchannels));
        _pickers = [.. Rows.Select(r => byPicker[r.Picker])];
        var hashKey = new Metadata().WithHashKey("customer-42");
        var pinned = new Metadata().WithInstance($"s{instances / 2}");
        _tracksLoad = [.. Rows.Select(r => r.TracksLoad)];
        _headers = [.. Rows.Select(r => r.Headers switch { PickerRowHeaders.HashKey => hashKey, PickerRowHeaders.Pinned => pinned, _ => null })];
    }

    public int Instances { get; }

    /// <summary>One call's pick with the row at <paramref name="row"/>.</summary>
    public Subchannel? Pick(int row)
    {
        var previous = CallContext.Enter(CallRouting.Resolve(_headers[row]), _tracksLoad[row]);
        var result = _pickers[row].Pick(_context);
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
}
