namespace Discovery.Etcd;

/// <summary>TLS settings for <c>https</c> etcd endpoints, bound from <c>Discovery:Etcd:Tls</c>.</summary>
public sealed class EtcdTlsOptions
{
    /// <summary>
    /// A PEM file with the CA certificate(s) that signed etcd's server certificate; when set, only they are trusted.
    /// Default: the system's trust store. The file must exist and hold at least one certificate.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// A PEM client certificate, for an etcd started with <c>--client-cert-auth</c>; set with <see cref="KeyFile"/>.
    /// Both files must exist and match.
    /// </summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM private key (unencrypted PKCS#1, PKCS#8 or EC) of <see cref="CertFile"/>. Its contents are never logged.</summary>
    public string? KeyFile { get; set; }
}
