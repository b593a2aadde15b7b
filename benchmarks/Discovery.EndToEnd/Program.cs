// The end-to-end bench: starts its own etcd and EchoServer processes, measures every figure side by side in the same
// run (interleaved rounds, the spread across rounds), prints a table per section, the targets met or missed, and last
// one line `summary {json}`. Run from the repository root:
//   dotnet run -c Release --project benchmarks/Discovery.EndToEnd
//   dotnet run -c Release --project benchmarks/Discovery.EndToEnd -- --Rounds 3 --Instances 50,500,5000 --Sections throughput,scale
//   dotnet run -c Release --project benchmarks/Discovery.EndToEnd -- --Sections picks,subsetting   (no process started)
using System.Diagnostics;
using Discovery.EndToEnd;
using Discovery.Testing;
using Microsoft.Extensions.Configuration;

var options = new BenchOptions();
try
{
    new ConfigurationBuilder().AddCommandLine(args).Build().Bind(options);
}
catch (InvalidOperationException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 2;
}

if (options.Validate().ToList() is { Count: > 0 } errors)
{
    errors.ForEach(e => Console.Error.WriteLine($"error: {e}"));
    return 2;
}

var total = Stopwatch.StartNew();
var report = new Report();
Console.WriteLine($"# Discovery end-to-end bench ({Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
Console.WriteLine("Every figure is measured side by side in this run on the same processes; read the ratios, not the absolute values.");

List<ScaleSection.Row>? scale = null;
if (options.RunsProcesses)
{
    scale = await RunProcessSectionsAsync(options, report);
}

if (options.Runs("picks"))
{
    PicksSection.Run(options, report);
}

if (options.Runs("subsetting"))
{
    SubsettingSection.Run(report);
}

report.PrintTargets();
if (scale is { Count: > 1 } && options.Chart.Length > 0)
{
    ScaleChart.Save(scale, Path.Combine(RepositoryRoot(), options.Chart), options.ChartPng);
}

report.Set("elapsedSeconds", total.Elapsed.TotalSeconds);
Console.WriteLine();
Console.WriteLine($"elapsed {total.Elapsed.TotalSeconds:0} s");
report.PrintSummary();
return 0;

static string RepositoryRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Discovery.sln")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

// The sections that need etcd and EchoServer processes: throughput, propagation, registration, scale.
static async Task<List<ScaleSection.Row>?> RunProcessSectionsAsync(BenchOptions options, Report report)
{
    await using var etcd = await EtcdNode.StartAsync();
    using var raw = new RawEtcd(etcd.ClientUrl);
    var servers = new List<EchoServerProcess>();
    try
    {
        using (var client = etcd.CreateClient())
        {
            var quiet = new EchoServerOptions();
            for (var i = 1; i <= 3; i++)
            {
                servers.Add(await EchoServerProcess.StartRegisteredAsync([etcd.ClientUrl], client, "echo", $"s{i}", options: quiet));
            }

            // The fourth runs unregistered: the propagation section writes and deletes its record itself.
            servers.Add(await EchoServerProcess.StartListeningAsync(
                [etcd.ClientUrl], "echo", "s4", options: quiet with { ExtraArguments = ["--Discovery:Registration:Enabled=false"] }));
        }

        var ports = servers.Take(3).Select(s => s.Port).ToList();
        Console.WriteLine($"etcd {etcd.ClientUrl}; EchoServers s1-s3 registered on ports {string.Join(", ", ports)}; s4 (unregistered) on {servers[3].Port}");

        if (options.Runs("throughput"))
        {
            var variants = new List<ClientVariant>
            {
                await ClientVariant.UseEtcdAsync("UseEtcd() + round_robin", etcd.ClientUrl, "echo", "round_robin"),
                await ClientVariant.UseEtcdAsync("UseEtcd() + p2c", etcd.ClientUrl, "echo", "p2c"),
                await ClientVariant.UseEtcdAsync("UseEtcd() + least_request", etcd.ClientUrl, "echo", "least_request"),
                ClientVariant.StaticChannel(ThroughputSection.StaticChannel, ports),
                await ClientVariant.ClientFactoryStaticAsync(ThroughputSection.FactoryStatic, ports),
            };
            try
            {
                await ThroughputSection.RunAsync(variants, options, report);
            }
            finally
            {
                foreach (var variant in variants)
                {
                    await variant.DisposeAsync();
                }
            }
        }

        if (options.Runs("propagation"))
        {
            await PropagationSection.RunAsync(etcd.ClientUrl, raw, "echo", servers[3].Port, "s4", options, report);
        }

        // Before the scale section: after it, an in-process registration twice failed to appear within 60 s (see the README).
        if (options.Runs("registration"))
        {
            await RegistrationSection.RunAsync(etcd.ClientUrl, raw, options, report);
        }

        return options.Runs("scale") ? await ScaleSection.RunAsync(etcd.ClientUrl, raw, options, report) : null;
    }
    finally
    {
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }
}
