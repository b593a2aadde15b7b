namespace Discovery.ClientFactory;

/// <summary>
/// The names of the built-in pickers, for <see cref="EtcdClientOptions.Picker"/> (configuration key
/// <c>Discovery:Clients:{client}:Picker</c>), and the keys under which each address carries its etcd metadata in
/// <c>BalancerAddress.Attributes</c> for pickers added with <c>AddDiscoveryPicker</c>.
/// </summary>
public static class DiscoveryPickers
{
    /// <summary>Each ready instance in turn (the default).</summary>
    public const string RoundRobin = "round_robin";

    /// <summary>The first ready instance in address order, the next one only when it fails.</summary>
    public const string PickFirst = "pick_first";

    /// <summary>A uniformly random ready instance.</summary>
    public const string Random = "random";

    /// <summary>
    /// Power of two choices: of two random instances, the one with the lower load, where load combines an EWMA of
    /// latency, the calls in flight and the recent success rate (after go-zero's p2c balancer).
    /// </summary>
    public const string PowerOfTwoChoices = "p2c";

    /// <summary>Of two random instances, the one with fewer calls in flight.</summary>
    public const string LeastRequest = "least_request";

    /// <summary>
    /// Smooth weighted round robin (in nginx's order) on each instance's <c>weight</c> metadata. Shares are exact
    /// while the weights' total divided by their gcd is at most 65,536; beyond, the weights are scaled down to 65,536
    /// slots, every instance keeping at least one: a share is then within one slot (1/65,536 of the calls) of exact,
    /// besides what instances worth less than a slot take by being raised to one.
    /// </summary>
    public const string WeightedRoundRobin = "weighted_round_robin";

    /// <summary>
    /// A hash ring keyed on instance ids; a call with a hash key (see <see cref="DiscoveryRouting.WithHashKey(Grpc.Core.CallOptions, string)"/>)
    /// always reaches the same instance while it is there, and adding or removing an instance moves only its share
    /// of the keys. A call without a hash key goes to a random instance.
    /// </summary>
    public const string ConsistentHash = "consistent_hash";

    /// <summary>Attribute key of an address's instance id (a <see cref="string"/>).</summary>
    public const string InstanceIdAttribute = "discovery.instance_id";

    /// <summary>Attribute key of an address's version (a <see cref="string"/>, absent when the record names none).</summary>
    public const string VersionAttribute = "discovery.version";

    /// <summary>Attribute key of an address's zone (a <see cref="string"/>, absent when the record names none).</summary>
    public const string ZoneAttribute = "discovery.zone";

    /// <summary>Attribute key of an address's weight (an <see cref="int"/>, 100 when the record names none).</summary>
    public const string WeightAttribute = "discovery.weight";

    internal static readonly string[] BuiltIn =
        [RoundRobin, PickFirst, Random, PowerOfTwoChoices, LeastRequest, WeightedRoundRobin, ConsistentHash];

    /// <summary>The name of the grpc-dotnet load-balancing policy behind a picker: never a built-in policy name.</summary>
    internal static string PolicyName(string picker) => "discovery_" + picker;
}
