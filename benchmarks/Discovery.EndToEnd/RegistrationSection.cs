using System.Diagnostics;
using Discovery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Discovery.EndToEnd;

/// <summary>
/// Section 4: an in-process Kestrel host with <c>AddEtcdRegistration()</c>: <c>ApplicationStarted</c> (and the
/// <c>StartAsync</c> call) to its key visible in the bench's raw watch, and <c>StopAsync</c> to the key gone; an
/// EchoServer process: SIGTERM to the key gone; each against a raw put / delete by the bench, interleaved.
/// </summary>
internal static class RegistrationSection
{
    public static async Task RunAsync(string etcdUrl, RawEtcd raw, BenchOptions options, Report report)
    {
        Report.Section($"4. Registration ({options.RegistrationTrials} trials, interleaved with raw writes)");
        const string service = "reg";
        using var stop = new CancellationTokenSource();
        using var watch = await raw.WatchAsync(service + "/", stop.Token);
        var timeout = TimeSpan.FromSeconds(60);
        var fromStartCall = new Samples();
        var fromStarted = new Samples();
        var fromStop = new Samples();
        var fromSigterm = new Samples();
        var rawPut = new Samples();
        var rawDelete = new Samples();
        for (var trial = 0; trial < options.RegistrationTrials; trial++)
        {
            // A raw put and delete of a key of the same shape.
            var rawKey = $"{service}/127.0.0.2:{1000 + trial}";
            var begin = Stopwatch.GetTimestamp();
            var revision = await raw.PutAsync(rawKey, "{\"Op\":0,\"Addr\":\"127.0.0.2:1\",\"Metadata\":\"id=raw\"}");
            rawPut.Add(Samples.Milliseconds(begin, await watch.WaitAsync(rawKey, true, revision, timeout)));
            begin = Stopwatch.GetTimestamp();
            revision = await raw.DeleteAsync(rawKey);
            rawDelete.Add(Samples.Milliseconds(begin, await watch.WaitAsync(rawKey, false, revision, timeout)));

            // In process: StartAsync / ApplicationStarted to the key, StopAsync to its deletion.
            var app = Build(etcdUrl, service, $"r{trial}");
            long startedAt = 0;
            app.Lifetime.ApplicationStarted.Register(() => startedAt = Stopwatch.GetTimestamp());
            var startCall = Stopwatch.GetTimestamp();
            await app.StartAsync();
            var port = new Uri(app.Urls.First()).Port;
            var key = $"{service}/127.0.0.1:{port}";
            var visible = await watch.WaitAnyAsync(key, put: true, timeout);
            fromStartCall.Add(Samples.Milliseconds(startCall, visible));
            fromStarted.Add(Samples.Milliseconds(startedAt, visible));
            var stopCall = Stopwatch.GetTimestamp();
            var stopping = app.StopAsync();
            fromStop.Add(Samples.Milliseconds(stopCall, await watch.WaitAnyAsync(key, put: false, timeout)));
            await stopping;
            await app.DisposeAsync();

            // A process: SIGTERM to the key gone.
            await using var server = EchoServerProcess.Start([etcdUrl], service, $"p{trial}", options: new EchoServerOptions { DrainDelay = TimeSpan.FromMilliseconds(100) });
            await watch.WaitAnyAsync(server.Key, put: true, TimeSpan.FromSeconds(60));
            var signal = Stopwatch.GetTimestamp();
            server.Process.SendSignal(15);
            fromSigterm.Add(Samples.Milliseconds(signal, await watch.WaitAnyAsync(server.Key, put: false, timeout)));
            await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            await Console.Error.WriteLineAsync($"registration trial {trial + 1} of {options.RegistrationTrials} done");
        }

        stop.Cancel();
        Report.Table(
            ["from", "to", "median ms (min-max)", "vs raw"],
            [
                ["raw put by the bench (baseline)", "key visible in the raw watch", rawPut.Spread("0.00"), "1.00"],
                ["StartAsync called", "key visible", fromStartCall.Spread("0.00"), Report.F(fromStartCall.Median / rawPut.Median) + "x"],
                ["ApplicationStarted", "key visible", fromStarted.Spread("0.00"), Report.F(fromStarted.Median - rawPut.Median, "+0.00;-0.00") + " ms"],
                ["raw delete by the bench (baseline)", "key gone in the raw watch", rawDelete.Spread("0.00"), "1.00"],
                ["StopAsync called (in process)", "key gone", fromStop.Spread("0.00"), Report.F(fromStop.Median / rawDelete.Median) + "x"],
                ["SIGTERM sent (EchoServer process)", "key gone", fromSigterm.Spread("0.00"), Report.F(fromSigterm.Median / rawDelete.Median) + "x"],
            ]);
        Report.Note("The registration writes in StartedAsync (after Kestrel bound, after an HTTP/2 probe of its own endpoint), which runs before");
        Report.Note("ApplicationStarted fires: a negative 'ApplicationStarted to key visible' means the key was visible before the app said it started.");
        Report.Note("A stop revokes the lease first (StoppingAsync), before ApplicationStopping and the drain.");
        report.Set("registration.rawPutMs", rawPut.Median);
        report.Set("registration.startAsyncToVisibleMs", fromStartCall.Median);
        report.Set("registration.applicationStartedToVisibleMs", fromStarted.Median);
        report.Set("registration.rawDeleteMs", rawDelete.Median);
        report.Set("registration.stopAsyncToGoneMs", fromStop.Median);
        report.Set("registration.sigtermToGoneMs", fromSigterm.Median);
    }

    private static WebApplication Build(string etcdUrl, string service, string instanceId)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Discovery:Etcd:Endpoints:0"] = etcdUrl,
            ["Discovery:Registration:ServiceName"] = service,
            ["Discovery:Registration:InstanceId"] = instanceId,
            ["Discovery:Registration:DrainDelay"] = "00:00:00.100",
        });
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddEtcdRegistration();
        return builder.Build();
    }
}
