namespace Discovery.Etcd;

/// <summary>TLS settings for <c>https</c> etcd endpoints, bound from <c>Discovery:Etcd:Tls</c>.</summary>
public sealed class EtcdTlsOptions
{
    /// <summary>A PEM file with the CA that signed etcd's server certificate. Default: the system's trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM client certificate, for an etcd started with <c>--client-cert-auth</c>; set with <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertFile"/>. Never logged.</summary>
    public string? KeyFile { get; set; }
}
