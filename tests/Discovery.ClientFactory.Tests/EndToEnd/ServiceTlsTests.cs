using System.Text.Json;
using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>
/// TLS between services, end to end: https EchoServers whose certificates (from a test CA) name only a DNS name,
/// registered with <c>scheme=https</c> and <c>tlsname</c>, called by the EchoClient sample with certificate
/// validation on.
/// </summary>
public sealed class ServiceTlsTests : IAsyncLifetime
{
    private const string TlsName = "echo.test";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private EtcdNode _etcd = null!;
    private TestCertificates _certificates = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdNode.StartAsync();
        _certificates = TestCertificates.Create();
    }

    public async Task DisposeAsync()
    {
        await _etcd.DisposeAsync();
        _certificates.Dispose();
    }

    [Fact]
    public async Task HttpsFleet_TestCaAndRegisteredTlsName_EveryCallSucceedsWithValidation()
    {
        var service = ServiceNames.New("tls");
        var (cert, key) = _certificates.IssueServerCertificate("echo", [TlsName]);
        await using var s1 = await StartHttpsAsync(service, "s1", cert, key);
        await using var s2 = await StartHttpsAsync(service, "s2", cert, key);

        var record = await RecordOfAsync(service, s1);
        var summary = await RunClientAsync(service, "--Discovery:Clients:EchoClient:Tls:Enabled=true", $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}");

        Assert.Contains("scheme=https", record, StringComparison.Ordinal);
        Assert.Contains($"tlsname={TlsName}", record, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(record))
        {
            Assert.Equal($"127.0.0.1:{s1.Port}", json.RootElement.GetProperty("Addr").GetString());
        }

        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.True(summary.CallsTo("s1") > 0 && summary.CallsTo("s2") > 0, summary.ToString());
    }

    [Fact]
    public async Task HttpsFleet_ClientCertificateRequired_MutualTlsCallsSucceed()
    {
        var service = ServiceNames.New("mtls");
        var (cert, key) = _certificates.IssueServerCertificate("echo-mtls", [TlsName]);
        await using var s1 = await StartHttpsAsync(service, "s1", cert, key, $"--Echo:ClientCaFile={_certificates.CaFile}");

        var withCertificate = await RunClientAsync(
            service,
            "--Discovery:Clients:EchoClient:Tls:Enabled=true",
            $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}",
            $"--Discovery:Clients:EchoClient:Tls:CertFile={_certificates.ClientCertFile}",
            $"--Discovery:Clients:EchoClient:Tls:KeyFile={_certificates.ClientKeyFile}");
        var without = await RunClientAsync(
            service, "--calls", "5", "--Discovery:Clients:EchoClient:Tls:Enabled=true", $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}");

        Assert.True(withCertificate.Failed == 0 && withCertificate.CallsTo("s1") > 0, withCertificate.ToString());
        Assert.True(without.Failed == without.Calls, without.ToString());
    }

    [Fact]
    public async Task Server_CertificateForAnotherName_NoCallSucceedsAndTheErrorNamesTheMismatch()
    {
        var service = ServiceNames.New("tlsname");
        var (cert, key) = _certificates.IssueServerCertificate("other", ["other.test"]);
        await using var impostor = await StartHttpsAsync(service, "s1", cert, key);

        var summary = await RunClientAsync(
            service, "--calls", "20", "--Discovery:Clients:EchoClient:Tls:Enabled=true", $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}");

        Assert.True(summary.Calls > 0 && summary.Failed == summary.Calls, summary.ToString());
        var message = string.Join(" | ", summary.ErrorMessages.Values);
        Assert.Contains("TLS name mismatch", message, StringComparison.Ordinal);
        Assert.Contains("DNS:other.test", message, StringComparison.Ordinal);
        Assert.Contains($"'{TlsName}'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_CertificateFromAnUntrustedCa_NoCallSucceedsAndTheErrorSaysSo()
    {
        var service = ServiceNames.New("tlsca");
        var (cert, key) = _certificates.IssueServerCertificate("untrusted", [TlsName], untrusted: true);
        await using var impostor = await StartHttpsAsync(service, "s1", cert, key);

        var summary = await RunClientAsync(
            service, "--calls", "20", "--Discovery:Clients:EchoClient:Tls:Enabled=true", $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}");

        Assert.True(summary.Calls > 0 && summary.Failed == summary.Calls, summary.ToString());
        Assert.Contains("is not trusted", string.Join(" | ", summary.ErrorMessages.Values), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MixedFleet_TlsClient_CallsOnlyHttpsInstancesAndWarnsOfTheOthers()
    {
        var service = ServiceNames.New("mixed");
        var (cert, key) = _certificates.IssueServerCertificate("mixed", [TlsName]);
        await using var secure = await StartHttpsAsync(service, "s1", cert, key);
        await using var plain = await EchoServers.StartAsync(_etcd, service, "s2");

        await using var process = EchoClientProcess.Start(
            _etcd.ClientUrl,
            "--service", service, "--calls", "60", "--concurrency", "4",
            "--Discovery:Clients:EchoClient:Tls:Enabled=true", $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}");
        var tls = await EchoClientProcess.SummaryOfAsync(process, RunTimeout);
        var plaintext = await RunClientAsync(service);

        Assert.True(tls.Failed == 0 && tls.ByInstance.Keys.SequenceEqual(["s1"]), tls.ToString());
        Assert.Contains(process.StandardErrorLines, l => l.Contains("Not calling s2@", StringComparison.Ordinal) && l.Contains("never falls back to plaintext", StringComparison.Ordinal));
        Assert.True(plaintext.Failed == 0 && plaintext.ByInstance.Keys.SequenceEqual(["s2"]), plaintext.ToString());
    }

    [Fact]
    public async Task HttpsInstance_NoTlsNameAnywhere_IsRefusedNotValidatedAgainstItsIp()
    {
        var service = ServiceNames.New("noname");
        var (cert, key) = _certificates.IssueServerCertificate("noname", [TlsName]);
        await using var s1 = await StartHttpsAsync(service, "s1", cert, key, "--Discovery:Registration:TlsName=");

        var record = await RecordOfAsync(service, s1);
        var refused = await RunClientAsync(
            service, "--calls", "5", "--Discovery:Clients:EchoClient:Tls:Enabled=true", $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}");
        var named = await RunClientAsync(
            service,
            "--Discovery:Clients:EchoClient:Tls:Enabled=true",
            $"--Discovery:Clients:EchoClient:Tls:CaFile={_certificates.CaFile}",
            $"--Discovery:Clients:EchoClient:Tls:ServerName={TlsName}");

        Assert.DoesNotContain("tlsname", record, StringComparison.Ordinal);
        Assert.True(refused.Failed == refused.Calls, refused.ToString());
        Assert.Contains("serve TLS with no TLS name registered nor configured", string.Join(" | ", refused.ErrorMessages.Values), StringComparison.Ordinal);
        Assert.True(named.Failed == 0 && named.CallsTo("s1") > 0, named.ToString());
    }

    private async Task<EchoServerProcess> StartHttpsAsync(string service, string id, string certFile, string keyFile, params string[] more)
    {
        var port = FreePort.Next();
        using var client = _etcd.CreateClient();
        return await EchoServerProcess.StartRegisteredAsync(
            [_etcd.ClientUrl],
            client,
            service,
            id,
            port,
            EchoServers.Options with
            {
                ExtraArguments =
                [
                    "--urls", $"https://127.0.0.1:{port}",
                    $"--Kestrel:Certificates:Default:Path={certFile}",
                    $"--Kestrel:Certificates:Default:KeyPath={keyFile}",
                    $"--Discovery:Registration:TlsName={TlsName}",
                    .. more,
                ],
            },
            EchoServers.RegistrationTimeout);
    }

    private async Task<string> RecordOfAsync(string service, EchoServerProcess server)
    {
        using var client = _etcd.CreateClient();
        var values = (await client.GetPrefixAsync(service + "/")).Values;
        return values.Single(server.IsOwnRecord);
    }

    private Task<ClientSummary> RunClientAsync(string service, params string[] args) =>
        EchoClientProcess.RunAsync(_etcd.ClientUrl, RunTimeout, ["--service", service, "--calls", "60", "--concurrency", "4", .. args]);
}
