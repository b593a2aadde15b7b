// A load generator for the grpc.examples.echo service found through etcd, and the contract tests use:
//   dotnet EchoClient.dll --service echo --calls 300 --concurrency 4 --picker round_robin [--version v2] [--zone z1]
//     [--instance s2] [--hash-key k] [--duration 20] [--timeline calls.csv] [--Discovery:Etcd:Endpoints:0=http://127.0.0.1:2379]
// Logs go to stderr; stdout gets a progress line a second and, last, "summary {json}".
// --Telemetry:Console=true also prints Discovery's metrics and spans to stdout (the summary line still comes last).
using System.Diagnostics;
using Discovery.Etcd;
using EchoClient;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

ClientArguments arguments;
try
{
    arguments = ClientArguments.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    await Console.Error.WriteLineAsync("usage: EchoClient [--service NAME] [--calls N | --duration SECONDS] [--concurrency C] [--picker NAME] [--version V] [--zone Z] [--instance ID] [--hash-key K] [--timeline FILE.csv] [--Section:Key=value ...]");
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = [.. arguments.ConfigurationArgs],
    ContentRootPath = AppContext.BaseDirectory,
});
const string Client = "Discovery:Clients:EchoClient:";
var overrides = new Dictionary<string, string?>();
void Override(string key, string? value)
{
    if (value is not null)
    {
        overrides[Client + key] = value;
    }
}

Override("Service", arguments.Service);
Override("Picker", arguments.Picker);
Override("Version", arguments.Version);
Override("Zone", arguments.Zone);
builder.Configuration.AddInMemoryCollection(overrides);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
if (builder.Configuration.GetValue<bool>("Telemetry:Console"))
{
    // The one line an application adds to its own OpenTelemetry set-up, here with the console exporter.
    builder.Services.AddOpenTelemetry()
        .WithMetrics(m => m.AddMeter(DiscoveryTelemetry.MeterName).AddConsoleExporter())
        .WithTracing(t => t.AddSource(DiscoveryTelemetry.ActivitySourceName).AddConsoleExporter());
}
builder.Services.AddSingleton(arguments);
var timeline = arguments.Timeline is null ? null : new Timeline(TimeProvider.System);
builder.Services.AddSingleton(new RunStatistics(timeline));
builder.Services.AddSingleton<LoadRun>();

using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"error: invalid configuration: {string.Join(" ", e.Failures)}");
    return 3;
}

var statistics = host.Services.GetRequiredService<RunStatistics>();
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
var stopwatch = Stopwatch.StartNew();
using var progressStop = new CancellationTokenSource();
var progress = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
    try
    {
        while (await timer.WaitForNextTickAsync(progressStop.Token))
        {
            Console.Out.WriteLine(statistics.ProgressLine(stopwatch.Elapsed));
        }
    }
    catch (OperationCanceledException)
    {
        // The run is over.
    }
});

await host.Services.GetRequiredService<LoadRun>().RunAsync(lifetime.ApplicationStopping);
await progressStop.CancelAsync();
await progress;
Console.Out.WriteLine(statistics.ProgressLine(stopwatch.Elapsed));
if (timeline is not null)
{
    await timeline.WriteCsvAsync(arguments.Timeline!, CancellationToken.None);
}

Console.Out.WriteLine("summary " + statistics.SummaryJson(stopwatch.Elapsed));
await Console.Out.FlushAsync();
await host.StopAsync();
return 0;
