namespace Discovery.ClientFactory;

/// <summary>
/// How one gRPC client finds and balances over a service registered in etcd. Bound from
/// <c>Discovery:Clients:{client name}</c>, where the client name is the one grpc-dotnet gives the client
/// (<c>EchoClient</c> for <c>AddGrpcClient&lt;Echo.EchoClient&gt;()</c>); etcd itself is reached through the
/// shared <c>Discovery:Etcd</c> section. Validated at start-up.
/// </summary>
/// <example>
/// <code>
/// "Discovery": {
///   "Etcd": { "Endpoints": [ "http://127.0.0.1:2379" ] },
///   "Clients": {
///     "EchoClient": { "Service": "echo", "Picker": "p2c", "Version": "v2", "Zone": "eu-1" }
///   }
/// }
/// </code>
/// </example>
public sealed class EtcdClientOptions
{
    /// <summary>The configuration section under which each client's options live, by client name.</summary>
    public const string SectionName = "Discovery:Clients";

    /// <summary>The service name the servers register under (<c>echo</c> for keys <c>{prefix}echo/…</c>). Required.</summary>
    public string? Service { get; set; }

    /// <summary>
    /// The picker that chooses an instance per call: one of <see cref="DiscoveryPickers"/> or a name added with
    /// <c>AddDiscoveryPicker</c>. Default: <see cref="DiscoveryPickers.RoundRobin"/>.
    /// </summary>
    public string Picker { get; set; } = DiscoveryPickers.RoundRobin;

    /// <summary>When set, only instances registered with this version receive calls.</summary>
    public string? Version { get; set; }

    /// <summary>
    /// When set, instances of this zone are preferred; calls go to other zones only while this zone has no
    /// reachable instance.
    /// </summary>
    public string? Zone { get; set; }

    /// <summary>
    /// How long the first calls of a new channel wait for every known instance to have had its first connection
    /// attempt, so load is even from the first call. Default: 1 second.
    /// </summary>
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The age of the etcd view (time since etcd last confirmed it) past which the health check reports the client
    /// degraded. Default: 30 seconds.
    /// </summary>
    public TimeSpan StaleViewThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <see cref="DiscoveryPickers.PowerOfTwoChoices"/>: how fast latency and success statistics decay. Default: 10 seconds.
    /// Each instance times at most one call in flight, started at most once a millisecond; since each timed call
    /// weighs by the time since the previous one, the averages match timing every call. A timed call still running
    /// after this long stops holding the instance's timing.
    /// </summary>
    public TimeSpan P2cDecayTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <see cref="DiscoveryPickers.PowerOfTwoChoices"/>: an instance not picked for this long is picked once regardless of
    /// its load, so a recovered instance is noticed. Measured in whole milliseconds. Default: 1 second.
    /// </summary>
    public TimeSpan P2cForcePickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How calls that failed because of an instance are retried: by default a unary call that never reached a server
    /// goes to another instance; <see cref="DiscoveryRetryOptions.Unavailable"/> opts idempotent clients into retrying
    /// <c>Unavailable</c> and <c>Internal</c> too.
    /// </summary>
    public DiscoveryRetryOptions Retry { get; set; } = new();

    /// <summary>
    /// Client-side subsetting: connect to at most <see cref="DiscoverySubsetOptions.Size"/> instances, chosen
    /// deterministically per client. Off by default.
    /// </summary>
    public DiscoverySubsetOptions Subset { get; set; } = new();

    /// <summary>
    /// TLS to the instances (<c>Tls</c>): off by default. With <see cref="EtcdClientTlsOptions.Enabled"/> only https
    /// instances are called, each certificate validated against a DNS name.
    /// </summary>
    public EtcdClientTlsOptions Tls { get; set; } = new();
}
