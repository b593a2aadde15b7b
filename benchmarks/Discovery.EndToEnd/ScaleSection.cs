using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Discovery.Etcd;
using Grpc.Core;
using Grpc.Examples.Echo;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Discovery.EndToEnd;

/// <summary>
/// Section 3: one service of N instances, each record written under a lease of its own as servers write them. The
/// addresses are fake (127.1.x.y on one port where the bench accepts TCP connections and never answers), so the
/// connections counted are real TCP connections, to a sink.
/// </summary>
internal static class ScaleSection
{
    public sealed record Row(
        int Instances,
        Samples FirstViewMs,
        Samples RawRangeMs,
        double BytesPerInstance,
        Samples ChangeMs,
        Samples ChangeRawMs,
        Samples ChangeBytes,
        Samples? BalancerChangeMs,
        Samples? BalancerChangeBytes,
        double? BalancerReadyMs,
        long? Connections,
        Samples? GrpcFullListMs,
        Samples? GrpcFullListBytes);

    public static async Task<List<Row>> RunAsync(string etcdUrl, RawEtcd raw, BenchOptions options, Report report)
    {
        Report.Section($"3. Scale: one service of N instances (records under leases of their own; {options.ScaleRounds} interleaved rounds, {options.ChangeTrials} puts and deletes per size)");
        using var sink = new ConnectionSink();
        var rows = new List<Row>();
        foreach (var n in options.InstanceCounts)
        {
            var service = $"scale{n}";
            var populate = Stopwatch.StartNew();
            var leases = await PopulateAsync(raw, service, n, sink.Port);
            Console.WriteLine($"   {n} instances written with {n} leases in {populate.Elapsed.TotalSeconds:0.0} s");
            rows.Add(await MeasureAsync(etcdUrl, raw, service, n, sink, options));
            await RevokeAsync(raw, leases);
        }

        Print(rows, options, report);
        return rows;
    }

    private static string AddressOf(int i, int port) => $"127.1.{i / 250}.{(i % 250) + 1}:{port}";

    private static string Record(string address, string id) =>
        $"{{\"Op\":0,\"Addr\":\"{address}\",\"Metadata\":\"id={id}&version=v1&weight=100\"}}";

    private static async Task RevokeAsync(RawEtcd raw, long[] leases)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(64, leases.Length)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < leases.Length)
            {
                await raw.Leases.LeaseRevokeAsync(new Etcdserverpb.LeaseRevokeRequest { ID = leases[i] });
            }
        }));
        await Task.WhenAll(workers);
    }

    private static async Task<long[]> PopulateAsync(RawEtcd raw, string service, int n, int port)
    {
        var leases = new long[n];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(64, n)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n)
            {
                var lease = leases[i] = await raw.GrantAsync(TimeSpan.FromMinutes(30));
                var address = AddressOf(i, port);
                await raw.PutAsync($"{service}/{address}", Record(address, $"i{i}"), lease);
            }
        }));
        await Task.WhenAll(workers);
        return leases;
    }

    private static async Task<Row> MeasureAsync(string etcdUrl, RawEtcd raw, string service, int n, ConnectionSink sink, BenchOptions options)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Discovery:Etcd:Endpoints:0"] = etcdUrl });
        builder.Services.AddLogging();
        builder.Services.AddDiscoveryEtcd();
        using var host = builder.Build();
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IServiceCatalog>();
        using (var warm = catalog.Watch("warmup"))
        {
            await warm.WaitForSyncAsync(CancellationToken.None);
        }

        // First usable view against a raw range read of the prefix, interleaved.
        var firstView = new Samples();
        var rawRange = new Samples();
        for (var round = 0; round < options.ScaleRounds; round++)
        {
            for (var step = 0; step < 2; step++)
            {
                if ((step + round) % 2 == 0)
                {
                    var start = Stopwatch.GetTimestamp();
                    var listing = await raw.RangeAsync(service + "/");
                    rawRange.Add(Samples.Milliseconds(start, Stopwatch.GetTimestamp()));
                    if (listing.Kvs.Count != n)
                    {
                        throw new InvalidOperationException($"etcd listed {listing.Kvs.Count} of {n} records");
                    }
                }
                else
                {
                    var start = Stopwatch.GetTimestamp();
                    using var watch = catalog.Watch(service);
                    var view = await watch.WaitForSyncAsync(CancellationToken.None);
                    firstView.Add(Samples.Milliseconds(start, Stopwatch.GetTimestamp()));
                    if (view.Instances.Count != n)
                    {
                        throw new InvalidOperationException($"the view holds {view.Instances.Count} of {n} instances");
                    }
                }

                // The watch stops when its last reader goes; let it, so the next round starts a new one.
                await Task.Delay(50);
            }
        }

        // Memory per instance in the view, after a full GC.
        var before = FullGcMemory();
        using var held = catalog.Watch(service);
        await held.WaitForSyncAsync(CancellationToken.None);
        var after = FullGcMemory();
        var bytesPerInstance = (double)(after - before) / n;

        // One put or delete: to the catalog's subscriber, against the raw watch; bytes allocated in the process meanwhile.
        using var stop = new CancellationTokenSource();
        using var rawWatch = await raw.WatchAsync(service + "/", stop.Token);
        var changeMs = new Samples();
        var changeRawMs = new Samples();
        var changeBytes = new Samples();
        var address = AddressOf(n + 1, sink.Port);
        var key = $"{service}/{address}";
        TaskCompletionSource<(long At, long Bytes)>? pending = null;
        var present = false;
        using var subscription = held.Subscribe(view =>
        {
            var at = Stopwatch.GetTimestamp();
            var bytes = GC.GetTotalAllocatedBytes(precise: true);
            if (pending is { } p && view.Instances.Count == (present ? n + 1 : n))
            {
                p.TrySetResult((at, bytes));
            }
        });
        var lease = await raw.GrantAsync(TimeSpan.FromMinutes(30));
        for (var trial = 0; trial < options.ChangeTrials * 2; trial++)
        {
            present = trial % 2 == 0;
            pending = new TaskCompletionSource<(long, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
            var start = Stopwatch.GetTimestamp();
            var revision = present ? await raw.PutAsync(key, Record(address, "added"), lease) : await raw.DeleteAsync(key);
            var (at, bytesAfter) = await pending.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var rawAt = await rawWatch.WaitAsync(key, present, revision, TimeSpan.FromSeconds(10));
            changeMs.Add(Samples.Milliseconds(start, at));
            changeRawMs.Add(Samples.Milliseconds(start, rawAt));
            changeBytes.Add(bytesAfter - bytesBefore);
            pending = null;
            await Task.Delay(20);
        }

        Samples? balancerMs = null, balancerBytes = null, grpcMs = null, grpcBytes = null;
        double? readyMs = null;
        long? connections = null;
        if (n <= options.BalancerMaxInstances)
        {
            (balancerMs, balancerBytes, readyMs, connections) = await MeasureBalancerAsync(etcdUrl, raw, service, n, sink, lease, options);
            (grpcMs, grpcBytes) = await MeasureGrpcFullListAsync(n, sink, options);
        }

        stop.Cancel();
        await host.StopAsync();
        return new Row(n, firstView, rawRange, bytesPerInstance, changeMs, changeRawMs, changeBytes, balancerMs, balancerBytes, readyMs, connections, grpcMs, grpcBytes);
    }

    /// <summary>
    /// Through <c>UseEtcd()</c> + round_robin: time from the first call until the balancer added every instance
    /// (connections then counted at the sink), then one put / delete to the balancer's added / removed event, with the
    /// bytes the whole process allocated meanwhile (our view, resolver, balancer and grpc-dotnet's connection manager).
    /// </summary>
    private static async Task<(Samples, Samples, double, long)> MeasureBalancerAsync(
        string etcdUrl, RawEtcd raw, string service, int n, ConnectionSink sink, long lease, BenchOptions options)
    {
        var events = new BalancerEvents();
        var connectionsBefore = sink.Open;
        await using var client = await ClientVariant.UseEtcdAsync("scale", etcdUrl, service, "round_robin", s => BalancerLogging.Capture(s, events));
        var start = Stopwatch.GetTimestamp();
        _ = client.Client.UnaryEchoAsync(new EchoRequest { Message = "x" }, deadline: DateTime.UtcNow.AddSeconds(1)).ResponseAsync
            .ContinueWith(t => t.Exception, TaskScheduler.Default);
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (events.Added < n)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"the balancer added {events.Added} of {n} instances within 60 s");
            }

            await Task.Delay(1);
        }

        var readyMs = Samples.Milliseconds(start, Stopwatch.GetTimestamp());
        await WaitUntilAsync(() => sink.Open - connectionsBefore >= n, TimeSpan.FromSeconds(60));
        await Task.Delay(500);
        var connections = sink.Open - connectionsBefore;

        var ms = new Samples();
        var bytes = new Samples();
        var address = AddressOf(n + 2, sink.Port);
        var key = $"{service}/{address}";
        for (var trial = 0; trial < options.ChangeTrials * 2; trial++)
        {
            var put = trial % 2 == 0;
            events.Clear();
            var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
            var begin = Stopwatch.GetTimestamp();
            _ = put ? await raw.PutAsync(key, Record(address, "added2"), lease) : await raw.DeleteAsync(key);
            var at = await events.WaitAsync(address, put, TimeSpan.FromSeconds(10));
            bytes.Add(GC.GetTotalAllocatedBytes(precise: true) - bytesBefore);
            ms.Add(Samples.Milliseconds(begin, at));
            await Task.Delay(50);
        }

        return (ms, bytes, readyMs, connections);
    }

    /// <summary>
    /// grpc-dotnet's own part, which no resolver can avoid: its connection manager and built-in round_robin balancer
    /// applying a full address list of N+1 after N, fed synchronously by a resolver of the bench's; time and bytes
    /// of the listener call.
    /// </summary>
    private static async Task<(Samples, Samples)> MeasureGrpcFullListAsync(int n, ConnectionSink sink, BenchOptions options)
    {
        _ = sink.Open; // closes the sink's side of connections the previous client dropped
        var resolver = new ListResolverFactory();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(resolver);
        await using var provider = services.BuildServiceProvider();
        using var channel = GrpcChannel.ForAddress("list:///scale", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
            ServiceProvider = provider,
        });
        var addresses = Enumerable.Range(0, n).Select(i => AddressOf(i, sink.Port)).Select(Parse).ToList();
        var connect = channel.ConnectAsync();
        await WaitUntilAsync(() => resolver.Current is { Started: true }, TimeSpan.FromSeconds(10));
        resolver.Current!.Push(addresses);
        await connect.WaitAsync(TimeSpan.FromSeconds(60));
        var withOne = addresses.Append(Parse(AddressOf(n + 3, sink.Port))).ToList();
        var ms = new Samples();
        var bytes = new Samples();
        for (var trial = 0; trial < options.ChangeTrials * 2; trial++)
        {
            var list = trial % 2 == 0 ? withOne : addresses;
            var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            resolver.Current.Push(list);
            ms.Add(Samples.Milliseconds(start, Stopwatch.GetTimestamp()));
            bytes.Add(GC.GetAllocatedBytesForCurrentThread() - bytesBefore);
            await Task.Delay(20);
        }

        return (ms, bytes);

        static BalancerAddress Parse(string address)
        {
            var colon = address.LastIndexOf(':');
            return new BalancerAddress(address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(5);
        }
    }

    private static long FullGcMemory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void Print(List<Row> rows, BenchOptions options, Report report)
    {
        Report.Table(
            ["instances", "first view ms", "raw range ms", "ratio", "B/instance", "change ms", "raw watch ms", "change B (view)", "balancer change ms", "change B (process)", "grpc-dotnet list ms", "grpc-dotnet list B", "balancer ready ms", "connections"],
            rows.Select(r => (IReadOnlyList<string>)[
                r.Instances.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.FirstViewMs.Spread("0.0"),
                r.RawRangeMs.Spread("0.0"),
                Report.F(r.FirstViewMs.Median / r.RawRangeMs.Median),
                Report.F(r.BytesPerInstance, "0"),
                Report.F(r.ChangeMs.Median),
                Report.F(r.ChangeRawMs.Median),
                Report.F(r.ChangeBytes.Median, "0"),
                r.BalancerChangeMs is { } b ? Report.F(b.Median) : "-",
                r.BalancerChangeBytes is { } bb ? Report.F(bb.Median, "0") : "-",
                r.GrpcFullListMs is { } g ? Report.F(g.Median, "0.000") : "-",
                r.GrpcFullListBytes is { } gb ? Report.F(gb.Median, "0") : "-",
                r.BalancerReadyMs is { } ready ? Report.F(ready, "0") : "-",
                r.Connections is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-",
            ]));
        Report.Note("first view: IServiceCatalog.Watch(service) to WaitForSyncAsync (list, decode, view) on a warm etcd connection; raw range:");
        Report.Note("one RangeRequest of the prefix on a warm channel (no decoding). change: put / delete of one record to our catalog's");
        Report.Note("subscriber, and to the bench's raw watch; change B (view): bytes the process allocated meanwhile (view, decode, dispatch,");
        Report.Note("and the bench's own put and raw watch). balancer change: UseEtcd() + round_robin, put / delete to the balancer's added /");
        Report.Note("removed event; change B (process) counts everything the process allocated meanwhile. grpc-dotnet list: its connection");
        Report.Note("manager and built-in round_robin applying a full list of N+1 (then N) fed synchronously by the bench (its own part).");
        Report.Note($"balancer ready: first call to every instance added; connections: TCP connections the sink holds (fake addresses, real");
        Report.Note($"sockets). The balancer columns run up to {options.BalancerMaxInstances} instances (--BalancerMaxInstances).");

        foreach (var r in rows)
        {
            var key = $"scale.n{r.Instances}";
            report.Set(key + ".firstViewMs", r.FirstViewMs.Median);
            report.Set(key + ".rawRangeMs", r.RawRangeMs.Median);
            report.Set(key + ".firstViewVsRawRange", r.FirstViewMs.Median / r.RawRangeMs.Median);
            report.Set(key + ".bytesPerInstance", r.BytesPerInstance);
            report.Set(key + ".changeMs", r.ChangeMs.Median);
            report.Set(key + ".changeRawWatchMs", r.ChangeRawMs.Median);
            report.Set(key + ".changeBytes", r.ChangeBytes.Median);
            if (r.BalancerChangeMs is { } b)
            {
                report.Set(key + ".balancerChangeMs", b.Median);
                report.Set(key + ".balancerChangeBytes", r.BalancerChangeBytes!.Median);
                report.Set(key + ".grpcFullListMs", r.GrpcFullListMs!.Median);
                report.Set(key + ".grpcFullListBytes", r.GrpcFullListBytes!.Median);
                report.Set(key + ".balancerReadyMs", r.BalancerReadyMs!.Value);
                report.Set(key + ".connections", r.Connections!.Value);
            }
        }

        var at50 = rows.FirstOrDefault(r => r.Instances == 50);
        var at5000 = rows.FirstOrDefault(r => r.Instances == 5000);
        if (at50 is not null && at5000 is not null)
        {
            var viewBytes = at5000.ChangeBytes.Median / at50.ChangeBytes.Median;
            var viewTime = (at5000.ChangeMs.Median - at5000.ChangeRawMs.Median) / Math.Max(0.001, at50.ChangeMs.Median - at50.ChangeRawMs.Median);
            report.Set("incremental.viewBytes5000vs50", viewBytes);
            string balancer = "-";
            bool met = viewBytes <= 2;
            if (at5000.BalancerChangeBytes is { } b5 && at50.BalancerChangeBytes is { } b50)
            {
                var ratio = b5.Median / b50.Median;
                report.Set("incremental.processBytes5000vs50", ratio);
                report.Set("incremental.grpcFullListBytes5000vs50", at5000.GrpcFullListBytes!.Median / at50.GrpcFullListBytes!.Median);
                balancer = $"; through the balancer (whole process) {Report.F(ratio)}x; grpc-dotnet's own list update {Report.F(at5000.GrpcFullListBytes.Median / at50.GrpcFullListBytes.Median)}x";
                met = met && ratio <= 2;
            }

            report.Target(
                "one change at 5,000 vs at 50 instances, our code",
                "<= 2x",
                $"bytes: view {Report.F(viewBytes)}x{balancer}; view time over raw watch {Report.F(viewTime)}x",
                met);
            var first = at5000.FirstViewMs.Median / at5000.RawRangeMs.Median;
            report.Target("first usable view at 5,000 instances vs raw range read", "<= 1.5x", $"{Report.F(first)}x ({Report.F(at5000.FirstViewMs.Median, "0.0")} vs {Report.F(at5000.RawRangeMs.Median, "0.0")} ms)", first <= 1.5);
        }

        var largest = rows.MaxBy(r => r.Instances);
        if (largest is not null)
        {
            var worst = rows.Where(r => r.Instances >= 500).Select(r => r.BytesPerInstance).DefaultIfEmpty(largest.BytesPerInstance).Max();
            report.Target("client memory per instance in the view", "<= 1 KiB", $"{Report.F(worst, "0")} B at most (from 500 instances up)", worst <= 1024);
        }
    }

    /// <summary>Accepts TCP connections on every loopback address at one port and holds them, never answering.</summary>
    private sealed class ConnectionSink : IDisposable
    {
        private readonly Socket _listener;
        private readonly List<Socket> _accepted = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public ConnectionSink()
        {
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Any, 0));
            _listener.Listen(4096);
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
            _loop = Task.Run(AcceptAsync);
        }

        public int Port { get; }

        /// <summary>Connections accepted and not closed by the client yet.</summary>
        public long Open
        {
            get
            {
                lock (_accepted)
                {
                    _accepted.RemoveAll(s =>
                    {
                        var closed = s.Poll(0, SelectMode.SelectRead) && s.Available == 0;
                        if (closed)
                        {
                            s.Dispose();
                        }

                        return closed;
                    });
                    return _accepted.Count;
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
            lock (_accepted)
            {
                _accepted.ForEach(s => s.Dispose());
            }

            _ = _loop.ContinueWith(t => t.Exception, TaskScheduler.Default);
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
    }

    /// <summary>A resolver scheme <c>list</c> whose resolver reports the list the bench pushes, synchronously.</summary>
    private sealed class ListResolverFactory : ResolverFactory
    {
        public ListResolver? Current { get; private set; }

        public override string Name => "list";

        public override Resolver Create(ResolverOptions options) => Current = new ListResolver();

        public sealed class ListResolver : Resolver
        {
            private Action<ResolverResult>? _listener;

            public bool Started => Volatile.Read(ref _listener) is not null;

            public override void Start(Action<ResolverResult> listener) => Volatile.Write(ref _listener, listener);

            public void Push(IReadOnlyList<BalancerAddress> addresses) => _listener!(ResolverResult.ForResult(addresses));
        }
    }
}
