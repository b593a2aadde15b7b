using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Discovery.Testing.Internal;

namespace Discovery.Testing;

/// <summary>
/// A throw-away PKI made in-process: a CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a
/// second CA that signed nothing the server uses. PEM files live in a temp folder deleted by <see cref="Dispose"/>.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly string _folder;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _untrustedCa;
    private readonly X509Certificate2 _client;
    private readonly X509Certificate2 _caWithKey;
    private readonly X509Certificate2 _untrustedCaWithKey;

    private TestCertificates(
        string folder, X509Certificate2 ca, X509Certificate2 untrustedCa, X509Certificate2 client, X509Certificate2 caWithKey, X509Certificate2 untrustedCaWithKey)
    {
        _caWithKey = caWithKey;
        _untrustedCaWithKey = untrustedCaWithKey;
        _folder = folder;
        _ca = ca;
        _untrustedCa = untrustedCa;
        _client = client;
    }

    /// <summary>The folder holding the PEM files.</summary>
    public string Folder => _folder;

    /// <summary>PEM of the CA that signed the server and client certificates.</summary>
    public string CaFile => Path.Combine(_folder, "ca.pem");

    /// <summary>PEM of the server certificate (SANs: IP 127.0.0.1, DNS localhost).</summary>
    public string ServerCertFile => Path.Combine(_folder, "server.pem");

    /// <summary>PEM (PKCS#8) of the server key.</summary>
    public string ServerKeyFile => Path.Combine(_folder, "server-key.pem");

    /// <summary>PEM of the client certificate (CN discovery-test-client, client authentication).</summary>
    public string ClientCertFile => Path.Combine(_folder, "client.pem");

    /// <summary>PEM (PKCS#8) of the client key.</summary>
    public string ClientKeyFile => Path.Combine(_folder, "client-key.pem");

    /// <summary>PEM of a second CA that signed nothing the server uses.</summary>
    public string UntrustedCaFile => Path.Combine(_folder, "untrusted-ca.pem");

    /// <summary>The CA certificate (no private key).</summary>
    public X509Certificate2 CaCertificate => _ca;

    /// <summary>The untrusted CA certificate (no private key).</summary>
    public X509Certificate2 UntrustedCaCertificate => _untrustedCa;

    /// <summary>The client certificate with its private key, usable for TLS client authentication.</summary>
    public X509Certificate2 ClientCertificate => _client;

    /// <summary>Generates the certificates and writes the PEM files.</summary>
    public static TestCertificates Create()
    {
        var folder = Path.Combine(ProcessRegistry.RunFolder, "certs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);

        var ca = CertificateFactory.CreateAuthority("Discovery Test CA");
        var untrustedCa = CertificateFactory.CreateAuthority("Discovery Untrusted CA");
        using var server = CertificateFactory.CreateLeaf(ca, "127.0.0.1", server: true);
        using var client = CertificateFactory.CreateLeaf(ca, "discovery-test-client", server: false);

        File.WriteAllText(Path.Combine(folder, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "untrusted-ca.pem"), untrustedCa.ExportCertificatePem());
        CertificateFactory.WritePem(server, Path.Combine(folder, "server.pem"), Path.Combine(folder, "server-key.pem"));
        CertificateFactory.WritePem(client, Path.Combine(folder, "client.pem"), Path.Combine(folder, "client-key.pem"));

        return new TestCertificates(
            folder,
            X509CertificateLoader.LoadCertificate(ca.RawData),
            X509CertificateLoader.LoadCertificate(untrustedCa.RawData),
            CertificateFactory.WithExportableKey(client),
            ca,
            untrustedCa);
    }

    /// <summary>
    /// Issues a server certificate for the DNS names given (and no IP address), signed by the test CA, or by the
    /// untrusted CA when <paramref name="untrusted"/>; writes <c>{file}.pem</c> and <c>{file}-key.pem</c>.
    /// </summary>
    /// <returns>The certificate and key file paths.</returns>
    public (string CertFile, string KeyFile) IssueServerCertificate(string file, IReadOnlyList<string> dnsNames, bool untrusted = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        ArgumentNullException.ThrowIfNull(dnsNames);
        var certFile = Path.Combine(_folder, file + ".pem");
        var keyFile = Path.Combine(_folder, file + "-key.pem");
        using var leaf = CertificateFactory.CreateLeaf(untrusted ? _untrustedCaWithKey : _caWithKey, dnsNames[0], server: true, dnsNames);
        CertificateFactory.WritePem(leaf, certFile, keyFile);
        return (certFile, keyFile);
    }

    /// <summary>Configures a TLS client to trust only <see cref="CaFile"/> and, if asked, to present the client certificate.</summary>
    /// <example><code>using var client = new EtcdClient(node.ClientUrl, o => certs.ConfigureClient(o));</code></example>
    public void ConfigureClient(SslClientAuthenticationOptions options, bool presentClientCertificate = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConfigureTrust(options, _ca);
        if (presentClientCertificate)
        {
            options.ClientCertificates = [_client];
        }
    }

    /// <summary>Configures a TLS client that trusts only the untrusted CA (so the server certificate must be rejected).</summary>
    public void ConfigureClientWithUntrustedCa(SslClientAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConfigureTrust(options, _untrustedCa);
        options.ClientCertificates = [_client];
    }

    /// <summary>Deletes the files and releases the certificates.</summary>
    public void Dispose()
    {
        _ca.Dispose();
        _untrustedCa.Dispose();
        _client.Dispose();
        _caWithKey.Dispose();
        _untrustedCaWithKey.Dispose();
        ProcessRegistry.TryDeleteFolder(_folder);
    }

    private static void ConfigureTrust(SslClientAuthenticationOptions options, X509Certificate2 root)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(root);
        options.CertificateChainPolicy = policy;
    }
}
