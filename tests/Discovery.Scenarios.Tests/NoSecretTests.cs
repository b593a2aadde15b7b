using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using Discovery.Testing;
using Grpc.Core;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Discovery.Scenarios.Tests;

/// <summary>
/// No password, auth token or private key reaches a log, a metric, a span or an exception message: registration,
/// discovery, a wrong password, tokens etcd forgot (three restarts in a row, a reconnect storm), an untrusted
/// certificate and a TLS name mismatch, with every log category at Trace (the servers' own output included), every
/// instrument and span of every source recorded, and the message of every exception thrown in this process.
/// </summary>
[Trait(Infrastructure.ScenarioAuth.Trait, Infrastructure.ScenarioAuth.Excluded)] // Why: see ScenarioAuth.
public sealed partial class NoSecretTests : IDisposable
{
    private readonly ConcurrentQueue<string> _texts = new();
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _spans;

    public NoSecretTests()
    {
        AppDomain.CurrentDomain.FirstChanceException += OnException;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            _texts.Enqueue($"{instrument.Meter.Name} {instrument.Name} {instrument.Description} {instrument.Unit}");
            listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Measured(i, v, tags));
        _meters.SetMeasurementEventCallback<int>((i, v, tags, _) => Measured(i, v, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Measured(i, v, tags));
        _meters.Start();
        _spans = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _texts.Enqueue(
                $"{a.Source.Name} {a.DisplayName} {a.StatusDescription} {string.Join(' ', a.TagObjects.Select(t => $"{t.Key}={t.Value}"))} " +
                string.Join(' ', a.Events.Select(e => $"{e.Name} {string.Join(' ', e.Tags.Select(t => $"{t.Key}={t.Value}"))}"))),
        };
        ActivitySource.AddActivityListener(_spans);
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.FirstChanceException -= OnException;
        _meters.Dispose();
        _spans.Dispose();
    }

    [Fact]
    public async Task EverySignal_RegistrationDiscoveryAndFailures_HoldNoPasswordTokenOrKey()
    {
        const string rootPassword = "root-secret-0d7c41";
        const string wrongPassword = "wrong-secret-5e2a93";
        using var certificates = TestCertificates.Create();
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true, RootPassword = rootPassword });
        using var root = etcd.CreateClient();
        var service = ServiceNames.New("secret");
        var impostorService = ServiceNames.New("impostor");
        var roles = await EtcdRoles.CreateAsync(etcd, service);
        var impostorRoles = await EtcdRoles.CreateAsync(etcd, impostorService);
        var (serverCert, serverKey) = certificates.IssueServerCertificate("echo", ["echo.test"]);
        var (otherCert, otherKey) = certificates.IssueServerCertificate("other", ["other.test"]);
        await using var server = await StartServerAsync(etcd, root, service, "s1", serverCert, serverKey, roles);
        await using var impostor = await StartServerAsync(etcd, root, impostorService, "x1", otherCert, otherKey, impostorRoles);
        var logs = new CapturingLoggerProvider(LogLevel.Trace);
        var tls = new Dictionary<string, string?> { ["Tls:Enabled"] = "true", ["Tls:CaFile"] = certificates.CaFile };

        // Registration and discovery over TLS, with the client role.
        using (var client = await StartClientAsync(etcd, service, roles.ClientUser, roles.Password, tls, logs))
        {
            await Eventually.UntilAsync(() => SucceedsAsync(client), TimeSpan.FromSeconds(20), "a call over TLS");

            // Tokens etcd forgot, and a reconnect storm: three restarts in a row, then calls work again.
            for (var i = 0; i < 3; i++)
            {
                await etcd.RestartAsync();
            }

            await Eventually.UntilAsync(() => SucceedsAsync(client, fresh: true), TimeSpan.FromSeconds(30), "a call after the restarts");
        }

        // A wrong password, an untrusted CA, a TLS name mismatch: every call fails.
        using (var wrong = await StartClientAsync(etcd, service, roles.ClientUser, wrongPassword, tls, logs))
        {
            Assert.False(await SucceedsAsync(wrong));
        }

        using (var untrusted = await StartClientAsync(
            etcd, service, roles.ClientUser, roles.Password, new() { ["Tls:Enabled"] = "true", ["Tls:CaFile"] = certificates.UntrustedCaFile }, logs))
        {
            Assert.False(await SucceedsAsync(untrusted));
        }

        using (var mismatch = await StartClientAsync(etcd, impostorService, impostorRoles.ClientUser, impostorRoles.Password, tls, logs))
        {
            Assert.False(await SucceedsAsync(mismatch));
        }

        var everything = _texts
            .Concat(logs.Entries.Select(e => $"{e.Category} {e.EventName} {e.Message} {e.Exception}"))
            .Concat(server.Process.StandardOutputLines).Concat(server.Process.StandardErrorLines)
            .Concat(impostor.Process.StandardOutputLines).Concat(impostor.Process.StandardErrorLines)
            .ToList();
        Assert.Contains(everything, t => t.Contains("TLS name mismatch", StringComparison.Ordinal));
        Assert.Contains(everything, t => t.Contains("authentication failed", StringComparison.Ordinal));
        Assert.Contains(everything, t => t.Contains("is not trusted", StringComparison.Ordinal));
        Assert.True(logs.Entries.Count > 100 && everything.Count > 1000, $"{logs.Entries.Count} log entries, {everything.Count} texts in all");

        string[] secrets = [rootPassword, wrongPassword, roles.Password, impostorRoles.Password];
        var keys = new[] { serverKey, otherKey, certificates.ClientKeyFile }.Select(KeyChunks).SelectMany(c => c).ToArray();
        foreach (var text in everything)
        {
            foreach (var secret in secrets.Concat(keys))
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a secret appears in: {text}");
            }

            Assert.False(SimpleToken().IsMatch(text), $"an etcd auth token appears in: {text}");
        }
    }

    /// <summary>16-character slices of a PEM key's base64 body: any leak of key material holds one.</summary>
    private static IEnumerable<string> KeyChunks(string keyFile)
    {
        var body = string.Concat(File.ReadAllLines(keyFile).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        for (var i = 0; i + 16 <= body.Length; i += 16)
        {
            yield return body.Substring(i, 16);
        }
    }

    // etcd's simple tokens: 16 random letters, a dot, an index.
    [GeneratedRegex(@"\b[a-zA-Z]{16}\.[0-9]+\b")]
    private static partial Regex SimpleToken();

    private static async Task<bool> SucceedsAsync(IHost client, bool fresh = false)
    {
        try
        {
            await client.Services.GetRequiredService<Echo.EchoClient>().UnaryEchoAsync(
                new EchoRequest { Message = fresh ? "again" : "hello" }, deadline: DateTime.UtcNow.AddSeconds(5));
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private static async Task<EchoServerProcess> StartServerAsync(
        EtcdNode etcd, dotnet_etcd.EtcdClient root, string service, string id, string cert, string key, EtcdRoles roles)
    {
        var port = FreePort.Next();
        return await EchoServerProcess.StartRegisteredAsync(
            [etcd.ClientUrl],
            root,
            service,
            id,
            port,
            new EchoServerOptions
            {
                LeaseTtl = TimeSpan.FromSeconds(5),
                LogLevels = new Dictionary<string, string>(StringComparer.Ordinal) { ["Default"] = "Trace" },
                ExtraArguments =
                [
                    "--urls", $"https://127.0.0.1:{port}",
                    $"--Kestrel:Certificates:Default:Path={cert}",
                    $"--Kestrel:Certificates:Default:KeyPath={key}",
                    "--Discovery:Registration:TlsName=echo.test",
                    .. roles.Arguments(roles.ServerUser),
                ],
            },
            TimeSpan.FromSeconds(30));
    }

    private static async Task<IHost> StartClientAsync(
        EtcdNode etcd, string service, string user, string password, Dictionary<string, string?> clientSettings, CapturingLoggerProvider logs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        var settings = new Dictionary<string, string?>
        {
            ["Discovery:Etcd:Endpoints:0"] = etcd.ClientUrl,
            ["Discovery:Etcd:Username"] = user,
            ["Discovery:Etcd:Password"] = password,
            ["Discovery:Clients:EchoClient:Service"] = service,
        };
        foreach (var (key, value) in clientSettings)
        {
            settings["Discovery:Clients:EchoClient:" + key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private void Measured<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = $"{instrument.Name}={value}";
        foreach (var tag in tags)
        {
            text += $" {tag.Key}={tag.Value}";
        }

        _texts.Enqueue(text);
    }

    private void OnException(object? sender, FirstChanceExceptionEventArgs e)
    {
        for (var exception = e.Exception; exception is not null; exception = exception.InnerException)
        {
            _texts.Enqueue(exception.GetType().Name + ": " + exception.Message);
        }
    }
}
