using System.Diagnostics;
using Grpc.Examples.Echo;

namespace Discovery.EndToEnd;

/// <summary>
/// Section 1: unary calls per second, client CPU and bytes allocated per call, for each client variant over the same
/// three EchoServer processes, in interleaved rounds (the order rotates each round). Ratios are taken within a
/// round, against the static channel (throughput) and against <c>AddGrpcClient</c> on <c>static:///</c> (CPU, bytes).
/// </summary>
internal static class ThroughputSection
{
    public const string StaticChannel = "static + round_robin (GrpcChannel)";
    public const string FactoryStatic = "AddGrpcClient, static + round_robin";

    public static async Task RunAsync(IReadOnlyList<ClientVariant> variants, BenchOptions options, Report report)
    {
        Report.Section($"1. Unary throughput, client CPU and bytes per call ({options.Concurrency} callers; {options.Rounds} rounds of {options.RoundSeconds} s per variant, in slices of {options.SliceSeconds} s taking turns)");
        foreach (var variant in variants)
        {
            await MeasureAsync(variant, options.Concurrency, TimeSpan.FromSeconds(Math.Min(1, options.RoundSeconds)));
        }

        // A round gives each variant RoundSeconds in slices of SliceSeconds, the variants taking turns (A B C D E A B …,
        // the order rotated each round), so a burst of load from elsewhere on the machine falls on every variant alike.
        var results = variants.ToDictionary(v => v.Name, _ => new List<Measurement>());
        var slices = Math.Max(1, (int)Math.Round(options.RoundSeconds / options.SliceSeconds));
        var slice = TimeSpan.FromSeconds(options.RoundSeconds / slices);
        for (var round = 0; round < options.Rounds; round++)
        {
            var parts = variants.ToDictionary(v => v.Name, _ => new List<Measurement>());
            for (var s = 0; s < slices; s++)
            {
                for (var i = 0; i < variants.Count; i++)
                {
                    var variant = variants[(i + round) % variants.Count];
                    parts[variant.Name].Add(await MeasureAsync(variant, options.Concurrency, slice));
                }
            }

            foreach (var (name, measured) in parts)
            {
                results[name].Add(Measurement.Sum(measured));
            }
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var variant in variants)
        {
            var own = results[variant.Name];
            var throughputRatio = Ratios(own, results[StaticChannel], m => m.CallsPerSecond);
            var cpuRatio = Ratios(own, results[FactoryStatic], m => m.CpuMicrosecondsPerCall);
            var bytesDelta = new Samples(own.Zip(results[FactoryStatic], (a, b) => a.BytesPerCall - b.BytesPerCall));
            rows.Add([
                variant.Name,
                new Samples(own.Select(m => m.CallsPerSecond)).Spread("0"),
                throughputRatio.Spread("0.00"),
                new Samples(own.Select(m => m.CpuMicrosecondsPerCall)).Spread("0.0"),
                cpuRatio.Spread("0.00"),
                new Samples(own.Select(m => m.BytesPerCall)).Spread("0"),
                bytesDelta.Spread("+0;-0;0"),
            ]);
            var key = "throughput." + Key(variant.Name);
            report.Set(key + ".callsPerSecond", new Samples(own.Select(m => m.CallsPerSecond)).Median);
            report.Set(key + ".vsStaticChannel", throughputRatio.Median);
            report.Set(key + ".cpuMicrosecondsPerCall", new Samples(own.Select(m => m.CpuMicrosecondsPerCall)).Median);
            report.Set(key + ".cpuVsClientFactoryStatic", cpuRatio.Median);
            report.Set(key + ".bytesPerCall", new Samples(own.Select(m => m.BytesPerCall)).Median);
            report.Set(key + ".bytesVsClientFactoryStatic", bytesDelta.Median);
        }

        Report.Table(
            ["client", "calls/s", "vs static channel", "CPU us/call", "vs AddGrpcClient static", "B/call", "vs AddGrpcClient static"],
            rows);
        Report.Note("median (min-max) across rounds; ratios are taken within each round. CPU is the bench process's (the client's) processor");
        Report.Note("time over the round divided by its calls; bytes are GC.GetTotalAllocatedBytes(precise) deltas over the round divided by its calls.");

        foreach (var picker in new[] { "round_robin", "p2c" })
        {
            var name = $"UseEtcd() + {picker}";
            var ratio = Ratios(results[name], results[StaticChannel], m => m.CallsPerSecond);
            report.Target($"throughput, UseEtcd() + {picker} vs static + built-in round_robin", ">= 0.97x", $"{Report.F(ratio.Median)}x ({Report.F(ratio.Min)}-{Report.F(ratio.Max)})", ratio.Median >= 0.97);
        }

        var etcdRr = results["UseEtcd() + round_robin"];
        var cpu = Ratios(etcdRr, results[FactoryStatic], m => m.CpuMicrosecondsPerCall);
        report.Target("client CPU per call, UseEtcd() (round_robin) vs AddGrpcClient on static:///", "<= 1.05x", $"{Report.F(cpu.Median)}x ({Report.F(cpu.Min)}-{Report.F(cpu.Max)})", cpu.Median <= 1.05);
        var bytes = new Samples(etcdRr.Zip(results[FactoryStatic], (a, b) => a.BytesPerCall - b.BytesPerCall));
        report.Target(
            "bytes allocated per call, same pair",
            "<= +256 B",
            $"{bytes.Median:+0;-0} B ({new Samples(etcdRr.Select(m => m.BytesPerCall)).Median:0} vs {new Samples(results[FactoryStatic].Select(m => m.BytesPerCall)).Median:0} B)",
            bytes.Median <= 256);
    }

    private static Samples Ratios(List<Measurement> own, List<Measurement> baseline, Func<Measurement, double> value) =>
        new(own.Zip(baseline, (a, b) => value(a) / value(b)));

    private static string Key(string name) => name switch
    {
        StaticChannel => "staticChannel",
        FactoryStatic => "clientFactoryStatic",
        _ => "useEtcd_" + name[(name.IndexOf('+', StringComparison.Ordinal) + 2)..],
    };

    private static async Task<Measurement> MeasureAsync(ClientVariant variant, int concurrency, TimeSpan duration)
    {
        var request = new EchoRequest { Message = "bench" };
        using var stop = new CancellationTokenSource();
        var calls = new long[concurrency];
        using var process = Process.GetCurrentProcess();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpuBefore = process.TotalProcessorTime;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var callers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await variant.Client.UnaryEchoAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
                calls[i]++;
            }
        })).ToArray();
        await Task.Delay(duration);
        stop.Cancel();
        await Task.WhenAll(callers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        return new Measurement(calls.Sum(), elapsed.TotalSeconds, cpu.TotalMicroseconds, bytes);
    }

    private readonly record struct Measurement(long Calls, double Seconds, double CpuMicroseconds, long Bytes)
    {
        public double CallsPerSecond => Calls / Seconds;

        public double CpuMicrosecondsPerCall => CpuMicroseconds / Calls;

        public double BytesPerCall => (double)Bytes / Calls;

        public static Measurement Sum(IReadOnlyList<Measurement> parts) =>
            new(parts.Sum(p => p.Calls), parts.Sum(p => p.Seconds), parts.Sum(p => p.CpuMicroseconds), parts.Sum(p => p.Bytes));
    }
}
