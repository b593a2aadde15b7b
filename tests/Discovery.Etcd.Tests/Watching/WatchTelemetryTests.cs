using System.Diagnostics;
using Discovery.Etcd.Diagnostics;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>The watch's instruments and spans, as the README's Observability section names them, against real etcd.</summary>
public sealed class WatchTelemetryTests(EtcdNodeFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Instruments_CutOffThenRestored_ReportDisconnectionResyncReconnectionAndSpans()
    {
        const string Service = "telemetry-cut";
        await using var node = await EtcdNode.StartAsync();
        await using var proxy = TcpProxy.Start(node.ClientPort);
        using var spans = new ActivityRecorder(Service);
        await using var watcher = WatcherUnderTest.Start(proxy.Url, Service, output);
        using var tags = new MeasurementTagRecorder(watcher.MeterFactory);
        using var connected = Collector<int>(watcher, WatchMetrics.ConnectedName);
        using var age = Collector<double>(watcher, WatchMetrics.ViewAgeName);
        using var resyncs = Collector<long>(watcher, WatchMetrics.ResyncsName);
        using var reconnects = Collector<long>(watcher, WatchMetrics.ReconnectsName);
        using var writer = watcher.ConnectTo(node.ClientUrl);
        await ServiceRecords.PutAsync(writer, Service, "10.0.0.1:80");
        await watcher.WaitSyncedAsync(v => v.Instances.Count == 1);
        Assert.Equal(1, Observe(connected));
        Assert.InRange(Observe(age), 0, 2.5);

        proxy.Cut();
        await Eventually.UntilAsync(() => Observe(connected) == 0, Deadline, "connected reports 0 while cut off");
        await Eventually.UntilAsync(
            () => spans.Named(PrefixWatcher.ResyncSpanName).Any(s => s.Status == ActivityStatusCode.Error), Deadline, "a failed resync span");
        proxy.Restore();

        await Eventually.UntilAsync(() => Observe(connected) == 1, Deadline, "connected reports 1 again");
        await Eventually.UntilAsync(() => reconnects.GetMeasurementSnapshot().Count >= 1, Deadline, "the reconnection is counted");
        var resync = Assert.Single(resyncs.GetMeasurementSnapshot());
        Assert.Equal(1, resync.Value);
        Assert.Equal("reconnect", resync.Tags[WatchMetrics.ResyncReasonAttribute]);
        Assert.Equal(Service, resync.Tags[DiscoveryMeter.ServiceAttribute]);
        Assert.Equal(Service, reconnects.LastMeasurement!.Tags[DiscoveryMeter.ServiceAttribute]);
        var span = Assert.Single(spans.Named(PrefixWatcher.ResyncSpanName), s => s.Status != ActivityStatusCode.Error);
        Assert.Equal("reconnect", span.GetTagItem(WatchMetrics.ResyncReasonAttribute));
        Assert.Null(span.Parent);
        Observe(age);
        TelemetryAssert.Bounded(tags, spans.Stopped);
    }

    [Fact]
    public async Task SkippedRecords_UnreadableRecord_CountedForItsService()
    {
        const string Service = "telemetry-skip";
        await using var watcher = WatcherUnderTest.Start(etcd.Node.ClientUrl, Service, output);
        using var skipped = Collector<long>(watcher, WatchMetrics.SkippedRecordsName);
        using var writer = watcher.ConnectTo(etcd.Node.ClientUrl);
        await watcher.WaitSyncedAsync();

        await ServiceRecords.PutRawAsync(writer, watcher.Watcher.Prefix + "garbage", "not a record"u8.ToArray());

        await Eventually.UntilAsync(() => skipped.GetMeasurementSnapshot().Count == 1, Deadline, "the skipped record is counted");
        Assert.Equal(Service, skipped.LastMeasurement!.Tags[DiscoveryMeter.ServiceAttribute]);
        Assert.Equal(1, skipped.LastMeasurement.Value);
    }

    private static MetricCollector<T> Collector<T>(WatcherUnderTest watcher, string instrument)
        where T : struct =>
        new(watcher.MeterFactory, DiscoveryTelemetry.MeterName, instrument);

    private static T Observe<T>(MetricCollector<T> collector)
        where T : struct
    {
        collector.RecordObservableInstruments();
        return collector.LastMeasurement!.Value;
    }
}
