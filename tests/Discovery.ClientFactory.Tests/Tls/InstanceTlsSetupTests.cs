using System.Net.Security;
using Discovery.ClientFactory.Tls;
using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.Tls;

public sealed class InstanceTlsSetupTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public void Describe_NameMismatch_NamesTheExpectedNameAndTheCertificateNames()
    {
        var (certFile, _) = _certificates.IssueServerCertificate("other", ["other.test", "other2.test"]);
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(certFile));

        var message = InstanceTlsSetup.Describe("echo.test", certificate, null, SslPolicyErrors.RemoteCertificateNameMismatch, "Discovery:Clients:EchoClient:Tls");

        Assert.StartsWith(InstanceTlsSetup.RejectedPrefix, message, StringComparison.Ordinal);
        Assert.Contains("TLS name mismatch", message, StringComparison.Ordinal);
        Assert.Contains("DNS:other.test, DNS:other2.test", message, StringComparison.Ordinal);
        Assert.Contains("'echo.test'", message, StringComparison.Ordinal);
        Assert.Contains("Discovery:Clients:EchoClient:Tls:ServerName", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ClientCertificate_IsSentWhateverTheServerAsks()
    {
        var ssl = InstanceTlsSetup.Create(
            new EtcdClientTlsOptions { Enabled = true, CaFile = _certificates.CaFile, CertFile = _certificates.ClientCertFile, KeyFile = _certificates.ClientKeyFile },
            "Discovery:Clients:EchoClient:Tls",
            out var clientCertificate);

        using (clientCertificate)
        {
            Assert.NotNull(ssl.ClientCertificateContext);
            Assert.True(clientCertificate!.HasPrivateKey);
            Assert.NotNull(ssl.CertificateChainPolicy);
        }
    }
}
