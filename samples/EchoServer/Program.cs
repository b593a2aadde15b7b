// An ASP.NET Core gRPC server of grpc.examples.echo.Echo that registers itself in etcd.
// Every setting comes from appsettings.json and can be overridden on the command line, for example:
//   dotnet EchoServer.dll --urls http://127.0.0.1:0 --Discovery:Etcd:Endpoints:0=http://127.0.0.1:2379 \
//     --Discovery:Registration:ServiceName=echo --Discovery:Registration:InstanceId=s1 --Echo:Delay=00:00:00.050
// --Telemetry:Console=true prints Discovery's metrics and spans (registration, re-registration, drain) to the console.
// Health-gated registration: --Discovery:Registration:HealthGate:Enabled=true (the readiness check below carries the
// tag "ready"; --Echo:ReadyAfter=00:00:03 keeps it Unhealthy for 3 s, --Echo:UnhealthyFile=/tmp/x while /tmp/x exists).
// TLS: --urls https://0.0.0.0:5001 --Kestrel:Certificates:Default:Path=server.pem --Kestrel:Certificates:Default:KeyPath=server-key.pem
// --Discovery:Registration:TlsName=echo.internal registers scheme=https and tlsname=echo.internal; --Echo:ClientCaFile=ca.pem
// also requires client certificates signed by that CA (mutual TLS).
using System.Security.Cryptography.X509Certificates;
using Discovery.Etcd;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using EchoServer;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// The content root is the app's folder, so appsettings.json (HTTP/2-only plaintext endpoints) loads from any
// working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddGrpc();
builder.Services.AddOptions<EchoOptions>().BindConfiguration(EchoOptions.SectionName);
builder.Services.AddEtcdRegistration();

// Readiness only: the app's own readiness and the registration. Nothing here belongs to a liveness probe.
builder.Services.AddGrpcHealthChecks()
    .AddCheck<ReadinessCheck>("echo-ready", tags: ["ready"])
    .AddEtcdRegistrationCheck(tags: ["ready"]);

if (builder.Configuration.GetValue<bool>("Telemetry:Console"))
{
    // The one line an application adds to its own OpenTelemetry set-up, here with the console exporter.
    builder.Services.AddOpenTelemetry()
        .WithMetrics(m => m.AddMeter(DiscoveryTelemetry.MeterName).AddConsoleExporter())
        .WithTracing(t => t.AddSource(DiscoveryTelemetry.ActivitySourceName).AddConsoleExporter());
}

if (builder.Configuration["Echo:ClientCaFile"] is { Length: > 0 } clientCaFile)
{
    // Mutual TLS: every https endpoint requires a client certificate signed by a CA of this PEM file.
    var clientCas = new X509Certificate2Collection();
    clientCas.ImportFromPemFile(clientCaFile);
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
    {
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        https.ClientCertificateValidation = (certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.AddRange(clientCas);
            return chain.Build(certificate);
        };
    }));
}

var app = builder.Build();
app.MapGrpcService<EchoService>();
app.MapGrpcHealthChecksService();
app.MapHealthChecks("/healthz");
app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains("ready") });
app.Lifetime.ApplicationStarted.Register(() => StartupLog.Listening(
    app.Logger,
    string.Join(", ", app.Urls)));
app.Run();
