using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Discovery.Etcd.Connection;

/// <summary>
/// The TLS settings every client connection of ours starts from (to etcd, and a gRPC client's to its instances): trust
/// only the CA file's certificates when one is given, and present a client certificate read from PEM files. Callers
/// add their own certificate validation. Compiled into the packages that need it as linked source.
/// </summary>
internal static class TlsClientSettings
{
    /// <param name="caFile">PEM CA certificate(s) to trust instead of the system store, or null.</param>
    /// <param name="certFile">PEM client certificate, or null.</param>
    /// <param name="keyFile">Its PEM private key, or null.</param>
    /// <param name="clientCertificate">The client certificate loaded, which the caller owns and disposes, or null.</param>
    public static SslClientAuthenticationOptions Create(string? caFile, string? certFile, string? keyFile, out X509Certificate2? clientCertificate)
    {
        clientCertificate = null;
        var ssl = new SslClientAuthenticationOptions();
        if (!string.IsNullOrEmpty(caFile))
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.ImportFromPemFile(caFile);
            ssl.CertificateChainPolicy = policy;
        }

        if (!string.IsNullOrEmpty(certFile) && !string.IsNullOrEmpty(keyFile))
        {
            // A key loaded from PEM is ephemeral; the PKCS#12 round trip gives a persisted-style key that every
            // platform's TLS stack accepts for client authentication (see notes/etcd-client.md).
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            clientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);

            // A context sends this certificate whatever CA names the server's handshake lists, instead of letting the
            // TLS stack filter ClientCertificates by them and silently send none.
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, additionalCertificates: null, offline: true);
        }

        return ssl;
    }
}
