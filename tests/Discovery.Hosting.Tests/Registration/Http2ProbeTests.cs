using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Discovery.Hosting.Registration;
using Discovery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Tests.Registration;

/// <summary>The probe excludes an endpoint only on proof: every answer it cannot read keeps the endpoint.</summary>
public sealed class Http2ProbeTests
{
    // The expected values are names: the enum is internal, and xunit's theory data must be public.
    public static TheoryData<string, string> Answers => new()
    {
        { "000006040000000000" + "000300000064", nameof(Http2Support.Http2) },                      // SETTINGS
        { "000008070000000000" + "000000000000000D", nameof(Http2Support.Http1Only) },              // GOAWAY HTTP_1_1_REQUIRED (Kestrel 10)
        { Convert.ToHexString("HTTP/1.1 400 Bad Request\r\n"u8), nameof(Http2Support.Http1Only) },
        { "000008070000000000" + "0000000000000000", nameof(Http2Support.Unknown) },                // GOAWAY NO_ERROR
        { "000008070000000000" + "0000", nameof(Http2Support.Unknown) },                            // GOAWAY cut short
        { "000004080000000001" + "00010000", nameof(Http2Support.Unknown) },                        // a frame on a stream
        { "0000", nameof(Http2Support.Unknown) },
        { "", nameof(Http2Support.Unknown) },
        { Convert.ToHexString("SSH-2.0-OpenSSH_9.2\r\n"u8), nameof(Http2Support.Unknown) },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void Classify_Answer_IsAsExpected(string hex, string expected) =>
        Assert.Equal(Enum.Parse<Http2Support>(expected), Http2Probe.Classify(Convert.FromHexString(hex)));

    [Fact]
    public async Task ProbeAsync_KestrelEndpoints_TellsHttp2FromHttp1Only()
    {
        using var certs = TestCertificates.Create();
        using var certificate = X509Certificate2.CreateFromPemFile(certs.ServerCertFile, certs.ServerKeyFile);
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration[KestrelDefaultsKey] = null; // not the EchoServer sample's appsettings.json in the output folder
        var ports = Enumerable.Range(0, 5).Select(_ => FreePort.Next()).ToArray();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, ports[0]);
            k.Listen(IPAddress.Loopback, ports[1], o => o.Protocols = HttpProtocols.Http1AndHttp2);
            k.Listen(IPAddress.Loopback, ports[2], o => o.Protocols = HttpProtocols.Http2);
            k.Listen(IPAddress.Loopback, ports[3], o => o.UseHttps(certificate));
            k.Listen(IPAddress.Loopback, ports[4], o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.UseHttps(certificate);
            });
        });
        await using var app = builder.Build();
        await app.StartAsync();

        var answers = await Task.WhenAll(app.Urls.Select(u => Http2Probe.ProbeAsync(BindingAddress.Parse(u), TimeSpan.FromSeconds(5), CancellationToken.None)));

        Assert.Equal(
            [
                (ports[0], Http2Support.Http1Only),
                (ports[1], Http2Support.Http1Only),
                (ports[2], Http2Support.Http2),
                (ports[3], Http2Support.Http2),
                (ports[4], Http2Support.Http1Only),
            ],
            app.Urls.Select((u, i) => (BindingAddress.Parse(u).Port, answers[i])).OrderBy(a => Array.IndexOf(ports, a.Port)));
        await app.StopAsync();
    }

    [Fact]
    public async Task ProbeAsync_ServerClosesWithoutAnswer_IsUnknown()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closing = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
        });

        var support = await Http2Probe.ProbeAsync(Bound("http", listener), TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(Http2Support.Unknown, support);
        await closing;
    }

    [Fact]
    public async Task ProbeAsync_ServerNeverAnswers_IsUnknownAfterTheTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        var support = await Http2Probe.ProbeAsync(Bound("http", listener), TimeSpan.FromMilliseconds(200), CancellationToken.None);

        Assert.Equal(Http2Support.Unknown, support);
    }

    [Fact]
    public async Task ProbeAsync_TlsHandshakeFails_IsUnknown()
    {
        // A plaintext listener that answers the ClientHello with HTTP/1 text: the handshake fails, which proves nothing.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var answering = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            await accepted.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
        });

        var support = await Http2Probe.ProbeAsync(Bound("https", listener), TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(Http2Support.Unknown, support);
        await answering;
    }

    [Fact]
    public async Task ProbeAsync_NothingListens_IsUnknown()
    {
        var support = await Http2Probe.ProbeAsync(BindingAddress.Parse($"http://127.0.0.1:{FreePort.Next()}"), TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(Http2Support.Unknown, support);
    }

    private const string KestrelDefaultsKey = "Kestrel:EndpointDefaults:Protocols";

    private static BindingAddress Bound(string scheme, TcpListener listener) =>
        BindingAddress.Parse($"{scheme}://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
}
