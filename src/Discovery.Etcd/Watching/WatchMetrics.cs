using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.Etcd.Watching;

/// <summary>
/// The prefix watchers' instruments on the <see cref="DiscoveryMeter.Name"/> meter: counters of resyncs,
/// reconnections and skipped records, and the age of every live view. Every measurement is tagged with
/// <c>service</c>.
/// </summary>
internal sealed class WatchMetrics
{
    public const string ResyncsName = "discovery.watch.resyncs";
    public const string ReconnectsName = "discovery.watch.reconnects";
    public const string RecordsSkippedName = "discovery.watch.records_skipped";
    public const string ViewAgeName = "discovery.watch.view_age";

    private readonly Counter<long> _resyncs;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _recordsSkipped;
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
        _recordsSkipped = meter.CreateCounter<long>(
            RecordsSkippedName, "{record}", "Malformed etcd records a watcher skipped.");
        meter.CreateObservableGauge(
            ViewAgeName, ObserveViewAges, "s", "Time since etcd last confirmed a watcher's view.");
    }

    public void Resynced(string service, string reason) =>
        _resyncs.Add(1, new("service", service), new("reason", reason));

    public void Reconnected(string service) => _reconnects.Add(1, new KeyValuePair<string, object?>("service", service));

    public void RecordSkipped(string service) => _recordsSkipped.Add(1, new KeyValuePair<string, object?>("service", service));

    /// <summary>Reports the view age of <paramref name="watcher"/> until the result is disposed.</summary>
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
                    view.AgeAt(now).TotalSeconds, new KeyValuePair<string, object?>("service", watcher.Service));
            }
        }
    }

    private sealed class Tracking(WatchMetrics owner, IServiceWatcher watcher) : IDisposable
    {
        public void Dispose() => owner._watchers.TryRemove(watcher, out _);
    }
}
