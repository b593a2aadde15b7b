namespace Discovery.Hosting;

/// <summary>
/// How this server registers itself in etcd, bound from the <c>Discovery:Registration</c> configuration section
/// (etcd itself is configured under <c>Discovery:Etcd</c>). Validated at start-up; a bad value fails the start
/// with a message naming its key.
/// </summary>
/// <example>
/// <code>
/// "Discovery": {
///   "Etcd": { "Endpoints": [ "http://127.0.0.1:2379" ] },
///   "Registration": {
///     "ServiceName": "echo",
///     "Version": "v1",
///     "Zone": "eu-1a",
///     "Metadata": { "canary": "true" }
///   }
/// }
/// </code>
/// </example>
public sealed class EtcdRegistrationOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Discovery:Registration";

    /// <summary>
    /// The service name clients resolve (<c>etcd:///echo</c>). Required. It may hold <c>/</c> for hierarchies
    /// (<c>prod/echo</c>), but a stock Go client dialing such a name sends it as <c>:authority</c>, which Kestrel
    /// rejects: Go clients must then set <c>grpc.WithAuthority</c>; a warning is logged at start.
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>This process's instance id (<c>id</c> in the record). Default: unique per process, stable for its life.</summary>
    public string? InstanceId { get; set; }

    /// <summary>The version clients may route on (<c>version</c>). Default: none.</summary>
    public string? Version { get; set; }

    /// <summary>The relative weight for weighted pickers (<c>weight</c>), a positive integer. Default: 100.</summary>
    public int Weight { get; set; } = 100;

    /// <summary>The zone clients may prefer (<c>zone</c>). Default: none.</summary>
    public string? Zone { get; set; }

    /// <summary>
    /// Free string metadata written into every record. The keys <c>id</c>, <c>version</c>, <c>weight</c> and
    /// <c>zone</c> are reserved (use the properties above) and are a configuration error here.
    /// </summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The etcd lease TTL: how long records outlive a process that died without deregistering. Whole seconds, at
    /// least 2 s. Default: 10 s.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the server keeps serving after it deregistered at shutdown, so clients watching etcd drop it before
    /// Kestrel stops accepting calls. Default: 2 s.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The host to publish for a wildcard binding (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>). Default: the
    /// machine's first non-loopback IPv4 address. Loopback bindings publish <c>127.0.0.1</c> or <c>[::1]</c>; other
    /// host names publish as bound.
    /// </summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>
    /// The DNS name clients validate the certificate of this server's https endpoints against, written as
    /// <c>tlsname</c> (with <c>scheme=https</c>) into their records. Default: the host an https endpoint was bound
    /// to when it is a DNS name (<c>https://echo.internal:5001</c>), else <see cref="AdvertisedHost"/> when it is a
    /// DNS name, else none (clients then need <c>Discovery:Clients:{name}:Tls:ServerName</c>). An IP address is
    /// never registered as a TLS name. Plaintext endpoints carry neither key.
    /// </summary>
    public string? TlsName { get; set; }

    /// <summary>
    /// Which bound Kestrel addresses to register: each entry is a port (<c>5001</c>) or a bound URL
    /// (<c>http://0.0.0.0:5001</c>). Default (empty): every bound address.
    /// </summary>
    public IList<string> Endpoints { get; set; } = new List<string>();

    /// <summary>False to run without registering (for local runs). Default: true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Health-gated registration (<c>Discovery:Registration:HealthGate</c>): register only while the application's
    /// health checks with a given tag pass, withdraw the records when they fail. Off by default.
    /// </summary>
    public RegistrationHealthGateOptions HealthGate { get; set; } = new();
}
