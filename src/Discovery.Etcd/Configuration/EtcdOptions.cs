namespace Discovery.Etcd;

/// <summary>
/// How to reach etcd, bound from the <c>Discovery:Etcd</c> configuration section and shared by every Discovery
/// component of the process (one connection per distinct set of options).
/// </summary>
/// <example>
/// <code>
/// "Discovery": {
///   "Etcd": {
///     "Endpoints": [ "http://10.0.0.1:2379", "http://10.0.0.2:2379" ],
///     "KeyPrefix": "prod/"
///   }
/// }
/// </code>
/// </example>
public sealed class EtcdOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Discovery:Etcd";

    /// <summary>
    /// One or more etcd client URLs (<c>http://host:port</c>, or <c>https://host:port</c> with <see cref="Tls"/>).
    /// Calls fail over between them. Required.
    /// </summary>
    /// <remarks>
    /// Each URL is absolute, http or https, with an explicit port and nothing after it (no path, query, fragment
    /// or user information), and appears once; all of them use the same scheme.
    /// </remarks>
    public IList<string> Endpoints { get; set; } = new List<string>();

    /// <summary>
    /// The etcd user name when etcd has authentication enabled; set together with <see cref="Password"/>. Works with
    /// http and https endpoints.
    /// </summary>
    public string? Username { get; set; }

    /// <summary>The etcd password, required with <see cref="Username"/>. Never logged nor put in an error message.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// TLS settings for <c>https</c> endpoints: a custom CA and a client certificate. Setting any of them with
    /// <c>http</c> endpoints is an error.
    /// </summary>
    public EtcdTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// A namespace put before every service name, such as <c>prod/</c>: the service <c>echo</c> then lives under
    /// <c>prod/echo/</c>. A trailing <c>/</c> is added when missing. Default: none.
    /// </summary>
    /// <remarks>
    /// May not start with <c>/</c>, hold <c>//</c>, white space or control characters: the keys keep the shape of
    /// service names (<c>{prefix}{service}/{host:port}</c>) that Go clients name in their <c>etcd:///</c> target.
    /// </remarks>
    public string? KeyPrefix { get; set; }

    /// <summary>How long to wait for a connection to an etcd endpoint, 100 ms to 10 minutes. Default: 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The deadline of every unary etcd call, 100 ms to 10 minutes. Default: 5 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a connection with open streams (watches, lease keep-alives) that received nothing is probed with an
    /// HTTP/2 ping; a connection whose ping is not answered within the same time is dropped, so a hung etcd is
    /// detected within about twice this value. 5 seconds to 10 minutes. Default: 6 seconds.
    /// </summary>
    /// <remarks>
    /// etcd closes a connection that pings more often than its <c>--grpc-keepalive-min-time</c> (5 s by default)
    /// with GOAWAY <c>ENHANCE_YOUR_CALM</c>, killing its watches; the default keeps a margin above it.
    /// </remarks>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// After etcd comes back having lost data (restarted empty, or restored from an older snapshot), entries it no
    /// longer lists are kept this long so their servers have time to register again. Zero to 1 hour; zero drops
    /// them at once. Default: 15 seconds.
    /// </summary>
    public TimeSpan DataLossGracePeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The largest record value a watcher reads, in bytes, greater than 0. A larger value is skipped before it is
    /// decoded, with a warning and the <c>discovery.watch.skipped_records</c> counter, as a malformed record is.
    /// Default: 64 KiB (a registration writes at most 16 KiB).
    /// </summary>
    /// <remarks>
    /// Whoever can write under a service's prefix can make every client of it read what they wrote: this bounds the
    /// memory and time one record costs each of them.
    /// </remarks>
    public int MaxRecordBytes { get; set; } = 64 * 1024;
}
