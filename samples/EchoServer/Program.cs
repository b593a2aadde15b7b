// An ASP.NET Core gRPC server of grpc.examples.echo.Echo that registers itself in etcd.
// Every setting comes from appsettings.json and can be overridden on the command line, for example:
//   dotnet EchoServer.dll --urls http://127.0.0.1:0 --Discovery:Etcd:Endpoints:0=http://127.0.0.1:2379 \
//     --Discovery:Registration:ServiceName=echo --Discovery:Registration:InstanceId=s1 --Echo:Delay=00:00:00.050
// --Telemetry:Console=true prints Discovery's metrics and spans (registration, re-registration, drain) to the console.
using Discovery.Etcd;
using EchoServer;
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
builder.Services.AddHealthChecks().AddEtcdRegistrationCheck();
if (builder.Configuration.GetValue<bool>("Telemetry:Console"))
{
    // The one line an application adds to its own OpenTelemetry set-up, here with the console exporter.
    builder.Services.AddOpenTelemetry()
        .WithMetrics(m => m.AddMeter(DiscoveryTelemetry.MeterName).AddConsoleExporter())
        .WithTracing(t => t.AddSource(DiscoveryTelemetry.ActivitySourceName).AddConsoleExporter());
}

var app = builder.Build();
app.MapGrpcService<EchoService>();
app.MapHealthChecks("/healthz");
app.Lifetime.ApplicationStarted.Register(() => StartupLog.Listening(
    app.Logger,
    string.Join(", ", app.Urls)));
app.Run();
