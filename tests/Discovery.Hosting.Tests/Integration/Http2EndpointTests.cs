using System.Net;
using System.Security.Cryptography.X509Certificates;
using Discovery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>
/// Only endpoints that speak HTTP/2 are registered: a real Kestrel with endpoints from configuration, defaults and
/// code, against real etcd.
/// </summary>
public sealed class Http2EndpointTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("Http1AndHttp2")]
    [InlineData(null)] // Kestrel's default: what `dotnet new web` gives
    public async Task StartAsync_OnlyPlaintextHttp1AndHttp2Endpoint_FailsNamingEndpointDefaultsProtocols(string? protocols)
    {
        var service = ServiceNames.New("h1-echo");
        var logs = new CapturingLoggerProvider(LogLevel.Warning);
        var port = FreePort.Next();
        await using var app = Build(service, logs, b =>
        {
            b.WebHost.UseUrls($"http://127.0.0.1:{port}");
            b.Configuration["Kestrel:EndpointDefaults:Protocols"] = protocols;
        });

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("Kestrel:EndpointDefaults:Protocols", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Http2", failure.Message, StringComparison.Ordinal);
        using var client = etcd.Node.CreateClient();
        Assert.Empty(await client.GetPrefixAsync(service + "/"));
    }

    [Fact]
    public async Task StartAsync_Http2AndHttp1AndHttp2PlaintextEndpoints_RegistersOnlyTheHttp2OneAndWarns()
    {
        var service = ServiceNames.New("mixed-echo");
        var logs = new CapturingLoggerProvider(LogLevel.Warning);
        var (grpcPort, webPort) = (FreePort.Next(), FreePort.Next());
        await using var app = Build(service, logs, b =>
        {
            b.Configuration["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}";
            b.Configuration["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
            b.Configuration["Kestrel:Endpoints:Web:Url"] = $"http://127.0.0.1:{webPort}";
            b.Configuration["Kestrel:Endpoints:Web:Protocols"] = "Http1AndHttp2";
        });

        await app.StartAsync();

        using var client = etcd.Node.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync(service + "/")).Count > 0, Timeout, "registered");
        Assert.Equal([$"{service}/127.0.0.1:{grpcPort}"], (await client.GetPrefixAsync(service + "/")).Keys);
        var warning = Assert.Single(logs.Entries, e => e.EventName == "Http1OnlyEndpoint");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"http://127.0.0.1:{webPort}", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Kestrel:EndpointDefaults:Protocols", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Endpoints:{name}:Protocols", warning.Message, StringComparison.Ordinal);
        Assert.Contains("ListenOptions.Protocols", warning.Message, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task StartAsync_HttpsHttp1AndHttp2Endpoint_IsRegistered()
    {
        var service = ServiceNames.New("tls-echo");
        var logs = new CapturingLoggerProvider(LogLevel.Warning);
        using var certs = TestCertificates.Create();
        using var certificate = X509Certificate2.CreateFromPemFile(certs.ServerCertFile, certs.ServerKeyFile);
        var port = FreePort.Next();
        await using var app = Build(service, logs, b => b.WebHost.ConfigureKestrel(k =>
            k.Listen(IPAddress.Loopback, port, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(certificate);
            })));

        await app.StartAsync();

        using var client = etcd.Node.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync(service + "/")).Count > 0, Timeout, "registered");
        Assert.Equal([$"{service}/127.0.0.1:{port}"], (await client.GetPrefixAsync(service + "/")).Keys);
        Assert.Equal(0, logs.Count("Http1OnlyEndpoint"));
        await app.StopAsync();
    }

    [Fact]
    public async Task StartAsync_HttpsHttp1OnlyBesideHttp2Plaintext_RegistersOnlyThePlaintextOne()
    {
        var service = ServiceNames.New("tls-h1-echo");
        var logs = new CapturingLoggerProvider(LogLevel.Warning);
        using var certs = TestCertificates.Create();
        using var certificate = X509Certificate2.CreateFromPemFile(certs.ServerCertFile, certs.ServerKeyFile);
        var (tlsPort, grpcPort) = (FreePort.Next(), FreePort.Next());
        await using var app = Build(service, logs, b => b.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, tlsPort, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.UseHttps(certificate);
            });
            k.Listen(IPAddress.Loopback, grpcPort, o => o.Protocols = HttpProtocols.Http2);
        }));

        await app.StartAsync();

        using var client = etcd.Node.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync(service + "/")).Count > 0, Timeout, "registered");
        Assert.Equal([$"{service}/127.0.0.1:{grpcPort}"], (await client.GetPrefixAsync(service + "/")).Keys);
        var warning = Assert.Single(logs.Entries, e => e.EventName == "Http1OnlyEndpoint");
        Assert.Contains($"https://127.0.0.1:{tlsPort}", warning.Message, StringComparison.Ordinal);
        await app.StopAsync();
    }

    private WebApplication Build(string service, CapturingLoggerProvider logs, Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);

        // The output folder holds the EchoServer sample's appsettings.json (Http2 defaults, a fixed URL): Kestrel's own
        // defaults here, and each test sets what it means.
        builder.Configuration["Kestrel:EndpointDefaults:Protocols"] = null;
        builder.Configuration["Urls"] = null;
        builder.Configuration["Discovery:Etcd:Endpoints:0"] = etcd.Node.ClientUrl;
        builder.Configuration["Discovery:Registration:ServiceName"] = service;
        builder.Configuration["Discovery:Registration:LeaseTtl"] = "00:00:02";
        builder.Configuration["Discovery:Registration:DrainDelay"] = "00:00:00";
        configure(builder);
        builder.Services.AddEtcdRegistration();
        return builder.Build();
    }
}
