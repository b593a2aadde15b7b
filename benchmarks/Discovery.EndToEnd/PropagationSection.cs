using System.Diagnostics;
using Discovery.Etcd;
using Grpc.Examples.Echo;
using Microsoft.Extensions.DependencyInjection;

namespace Discovery.EndToEnd;

/// <summary>
/// Section 2: an etcd put / delete of a fourth EchoServer's record (the server runs unregistered; the bench writes
/// its record) to: the raw watch the bench opened on the same etcd, our catalog's view (the watch our resolver reads),
/// the balancer applying the address list (its added / removed events), and the first call answered by the new server.
/// All four observe the same write, so each trial is side by side.
/// </summary>
internal static class PropagationSection
{
    public static async Task RunAsync(
        string etcdUrl, RawEtcd raw, string service, int newServerPort, string newServerId, BenchOptions options, Report report)
    {
        Report.Section($"2. Propagation: etcd put / delete to each observer ({options.PropagationTrials} puts and {options.PropagationTrials} deletes)");
        var events = new BalancerEvents();
        await using var client = await ClientVariant.UseEtcdAsync("propagation", etcdUrl, service, "round_robin", s => BalancerLogging.Capture(s, events));
        var services = client.Services!;
        using var watch = services.GetRequiredService<IServiceCatalog>().Watch(service);
        await watch.WaitForSyncAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();
        using var rawWatch = await raw.WatchAsync(service + "/", stop.Token);

        var address = $"127.0.0.1:{newServerPort}";
        var key = $"{service}/{address}";
        var value = $"{{\"Op\":0,\"Addr\":\"{address}\",\"Metadata\":\"id={newServerId}&version=v1&weight=100\"}}";
        var marker = $"(from {newServerId})";

        TaskCompletionSource<long>? viewChange = null;
        var expectPresent = false;
        using var subscription = watch.Subscribe(view =>
        {
            var at = Stopwatch.GetTimestamp();
            if (viewChange is { } pending && view.Instances.Any(i => i.Address == address) == expectPresent)
            {
                pending.TrySetResult(at);
            }
        });

        TaskCompletionSource<long>? firstCall = null;
        var request = new EchoRequest { Message = "p" };
        var callers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var reply = await client.Client.UnaryEchoAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
                if (firstCall is { } pending && reply.Message.EndsWith(marker, StringComparison.Ordinal))
                {
                    pending.TrySetResult(Stopwatch.GetTimestamp());
                }
            }
        })).ToArray();

        var put = new Dictionary<string, Samples> { ["raw"] = new(), ["view"] = new(), ["balancer"] = new(), ["call"] = new() };
        var delete = new Dictionary<string, Samples> { ["raw"] = new(), ["view"] = new(), ["balancer"] = new() };
        var timeout = TimeSpan.FromSeconds(10);
        for (var trial = 0; trial < options.PropagationTrials; trial++)
        {
            events.Clear();
            expectPresent = true;
            viewChange = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            firstCall = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var start = Stopwatch.GetTimestamp();
            var revision = await raw.PutAsync(key, value);
            put["raw"].Add(Samples.Milliseconds(start, await rawWatch.WaitAsync(key, put: true, revision, timeout)));
            put["view"].Add(Samples.Milliseconds(start, await viewChange.Task.WaitAsync(timeout)));
            put["balancer"].Add(Samples.Milliseconds(start, await events.WaitAsync(address, added: true, timeout)));
            put["call"].Add(Samples.Milliseconds(start, await firstCall.Task.WaitAsync(timeout)));
            firstCall = null;

            expectPresent = false;
            viewChange = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            start = Stopwatch.GetTimestamp();
            revision = await raw.DeleteAsync(key);
            delete["raw"].Add(Samples.Milliseconds(start, await rawWatch.WaitAsync(key, put: false, revision, timeout)));
            delete["view"].Add(Samples.Milliseconds(start, await viewChange.Task.WaitAsync(timeout)));
            delete["balancer"].Add(Samples.Milliseconds(start, await events.WaitAsync(address, added: false, timeout)));
            viewChange = null;
            await Task.Delay(20);
        }

        stop.Cancel();
        await Task.WhenAll(callers.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        static IReadOnlyList<string> Row(string what, Samples s, Samples raw) =>
            [what, Report.F(s.Median), Report.F(s.Percentile(99)), Report.F(s.Median - raw.Median, "+0.00;-0.00"), Report.F(s.Percentile(99) - raw.Percentile(99), "+0.00;-0.00")];
        Report.Table(
            ["from the write to", "p50 ms", "p99 ms", "p50 vs raw watch", "p99 vs raw watch"],
            [
                Row("put: raw etcd watch (baseline)", put["raw"], put["raw"]),
                Row("put: our catalog view (the resolver's watch)", put["view"], put["raw"]),
                Row("put: our balancer applies the address list", put["balancer"], put["raw"]),
                Row("put: first call answered by the new server", put["call"], put["raw"]),
                Row("delete: raw etcd watch (baseline)", delete["raw"], delete["raw"]),
                Row("delete: our catalog view", delete["view"], delete["raw"]),
                Row("delete: our balancer applies the address list", delete["balancer"], delete["raw"]),
            ]);
        var fromTop = options.PropagationTrials - (int)Math.Ceiling(0.99 * options.PropagationTrials) + 1;
        Report.Note($"times start before the put / delete is sent; with {options.PropagationTrials} trials p99 is the sample ranked {fromTop} from the slowest.");
        Report.Note("'balancer' is the balancer's own added / removed log event, written while it applies the list the resolver handed to grpc-dotnet;");
        Report.Note("'first call' includes the new subchannel's TCP connect and the round robin reaching it (2 callers in a loop).");
        foreach (var (kind, set) in new[] { ("put", put), ("delete", delete) })
        {
            foreach (var (what, samples) in set)
            {
                report.Set($"propagation.{kind}.{what}.p50Ms", samples.Median);
                report.Set($"propagation.{kind}.{what}.p99Ms", samples.Percentile(99));
            }
        }

        var worst = Math.Max(put["balancer"].Percentile(99) - put["raw"].Percentile(99), delete["balancer"].Percentile(99) - delete["raw"].Percentile(99));
        report.Target(
            "propagation to the balancer, p99",
            "<= raw watch p99 + 1 ms",
            $"put {Report.F(put["balancer"].Percentile(99))} vs {Report.F(put["raw"].Percentile(99))} ms, delete {Report.F(delete["balancer"].Percentile(99))} vs {Report.F(delete["raw"].Percentile(99))} ms",
            worst <= 1);
    }
}
