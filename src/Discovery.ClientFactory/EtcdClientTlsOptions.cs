namespace Discovery.ClientFactory;

/// <summary>
/// TLS between this client and the instances it calls, bound from <c>Discovery:Clients:{client name}:Tls</c>.
/// With <see cref="Enabled"/> the client calls only instances whose records say <c>scheme=https</c>, validates each
/// certificate against <see cref="ServerName"/> or the instance's registered <c>tlsname</c> (never its IP address),
/// and refuses the others with a warning and the <c>discovery.client.refused_instances</c> counter: a client set for
/// TLS never falls back to plaintext. Without it the client calls only plaintext instances and refuses https ones
/// the same way.
/// </summary>
/// <example>
/// <code>
/// "Clients": {
///   "EchoClient": {
///     "Service": "echo",
///     "Tls": { "Enabled": true, "ServerName": "echo.internal", "CaFile": "/etc/echo/ca.pem",
///              "CertFile": "/etc/echo/client.pem", "KeyFile": "/etc/echo/client-key.pem" }
///   }
/// }
/// </code>
/// </example>
public sealed class EtcdClientTlsOptions
{
    /// <summary>True to call instances over TLS (https instances only). Default: false (plaintext instances only).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The DNS name every instance's certificate must carry. When set it wins over the <c>tlsname</c> the instances
    /// registered: whoever can write the service's records in etcd then still cannot make this client trust a
    /// server of another name. Default: each instance's registered <c>tlsname</c>; an https instance with neither is
    /// refused.
    /// </summary>
    public string? ServerName { get; set; }

    /// <summary>
    /// A PEM file with the CA certificate(s) that signed the instances' certificates; when set, only they are trusted.
    /// Default: the system's trust store.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM client certificate for servers that require one (mutual TLS); set with <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM private key (unencrypted PKCS#1, PKCS#8 or EC) of <see cref="CertFile"/>. Its contents are never logged.</summary>
    public string? KeyFile { get; set; }
}
