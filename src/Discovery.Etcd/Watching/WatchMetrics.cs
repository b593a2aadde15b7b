using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.Etcd.Watching;

/// <summary>
/// The prefix watchers' instruments on the <see cref="DiscoveryMeter.Name"/> meter: counters of resyncs,
/// reconnections and skipped records, and, for every live watch, its view's age and whether its etcd stream is up.
/// Every measurement carries <see cref="DiscoveryMeter.ServiceAttribute"/>; resyncs also their reason.
/// </summary>
internal sealed class WatchMetrics
{
    public const string ResyncsName = "discovery.watch.resyncs";
    public const string ReconnectsName = "discovery.watch.reconnects";
    public const string SkippedRecordsName = "discovery.watch.skipped_records";
    public const string ViewAgeName = "discovery.watch.view.age";
    public const string ConnectedName = "discovery.watch.connected";

    /// <summary>Why a watcher listed its service again: <c>reconnect</c>, <c>compacted</c> or <c>data_loss</c>.</summary>
    public const string ResyncReasonAttribute = PrefixWatchLoop.ResyncReasonAttribute;

    private readonly Counter<long> _resyncs;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _skippedRecords;
    private readonly ConcurrentDictionary<IServiceWatcher, byte> _watchers = new();
    private readonly TimeProvider _time;

    public WatchMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time;
        var meter = meterFactory.Create(DiscoveryMeter.Name);
        _resyncs = meter.CreateCounter<long>(
            ResyncsName, "{resync}", "Times a watcher listed its service again (reconnection, compaction, data loss).");
        _reconnects = meter.CreateCounter<long>(
            ReconnectsName, "{reconnect}", "Times a watcher was watching again after losing its etcd stream.");
        _skippedRecords = meter.CreateCounter<long>(
            SkippedRecordsName, "{record}", "etcd records a watcher skipped: unreadable, or over Discovery:Etcd:MaxRecordBytes.");
        meter.CreateObservableGauge(
            ViewAgeName, ObserveViewAges, "s", "Time since etcd last confirmed a watcher's view.");
        // A gauge of 0 or 1 as gRPC's own grpc.xds_client.connected (gRFC A78), the closest analogue of a watcher.
        meter.CreateObservableGauge(
            ConnectedName, ObserveConnected, "{bool}", "1 while a watcher's etcd stream is up, 0 while it reconnects (serving its last known view).");
    }

    public void Resynced(string service, string reason) =>
        _resyncs.Add(1, new(DiscoveryMeter.ServiceAttribute, service), new(ResyncReasonAttribute, reason));

    public void Reconnected(string service) => _reconnects.Add(1, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service));

    public void RecordSkipped(string service) => _skippedRecords.Add(1, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service));

    /// <summary>Reports the view age and connection of <paramref name="watcher"/> until the result is disposed.</summary>
    public IDisposable Track(IServiceWatcher watcher)
    {
        _watchers[watcher] = 0;
        return new Tracking(this, watcher);
    }

    private IEnumerable<Measurement<double>> ObserveViewAges()
    {
        var now = _time.GetUtcNow();
        foreach (var watcher in _watchers.Keys)
        {
            var view = watcher.Current;
            if (view.IsSynced)
            {
                yield return new Measurement<double>(
                    view.AgeAt(now).TotalSeconds, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, watcher.Service));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveConnected()
    {
        foreach (var watcher in _watchers.Keys)
        {
            yield return new Measurement<int>(
                watcher.Current.IsEtcdReachable ? 1 : 0, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, watcher.Service));
        }
    }

    private sealed class Tracking(WatchMetrics owner, IServiceWatcher watcher) : IDisposable
    {
        public void Dispose() => owner._watchers.TryRemove(watcher, out _);
    }
}
