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
    public IList<string> Endpoints { get; set; } = new List<string>();

    /// <summary>The etcd user name when etcd has authentication enabled; set together with <see cref="Password"/>.</summary>
    public string? Username { get; set; }

    /// <summary>The etcd password. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>TLS settings for <c>https</c> endpoints: a custom CA and a client certificate.</summary>
    public EtcdTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// A namespace put before every service name, such as <c>prod/</c>: the service <c>echo</c> then lives under
    /// <c>prod/echo/</c>. A trailing <c>/</c> is added when missing. Default: none.
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>How long to wait for a connection to an etcd endpoint. Default: 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The deadline of every unary etcd call. Default: 5 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often an idle connection is probed with an HTTP/2 ping; a connection whose ping is not answered within
    /// the same time is dropped, so a hung etcd is detected within twice this value. Default: 2 seconds.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After etcd comes back having lost data (restarted empty, or restored from an older snapshot), entries it no
    /// longer lists are kept this long so their servers have time to register again. Default: 15 seconds.
    /// </summary>
    public TimeSpan DataLossGracePeriod { get; set; } = TimeSpan.FromSeconds(15);
}
