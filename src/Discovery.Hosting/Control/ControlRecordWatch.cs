using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Discovery.Hosting.Leasing;
using Etcdserverpb;
using Microsoft.Extensions.Logging;
using Mvccpb;

namespace Discovery.Hosting.Control;

/// <summary>
/// Watches one instance's control record with the robust <see cref="PrefixWatchLoop"/> (reconnection, compaction,
/// hung members) and reports each change of what it asks. A deleted record, or an etcd that lost its data, asks
/// <see cref="ControlRecord.Default"/>. A value it cannot read is skipped with a warning and counted, and the last
/// good record stays in force. An outage keeps the last record.
/// </summary>
internal sealed partial class ControlRecordWatch : IPrefixWatchSink, IAsyncDisposable
{
    private readonly string _service;
    private readonly string _key;
    private readonly Action<ControlChange> _changed;
    private readonly LeaseKeeperMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly PrefixWatchLoop _loop;
    private readonly Lock _gate = new();
    private ControlRecord _current = ControlRecord.Default;
    private bool _synced;
    private bool _present;

    /// <param name="connection">The etcd connection.</param>
    /// <param name="service">The service.</param>
    /// <param name="instanceId">The instance whose record is watched.</param>
    /// <param name="changed">
    /// Called, on the watch's loop, with the record after every listing and every change. Must return quickly.
    /// </param>
    /// <param name="metrics">Counts skipped values.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock.</param>
    /// <param name="timings">Liveness and backoff timings.</param>
    public ControlRecordWatch(
        EtcdConnection connection,
        string service,
        string instanceId,
        Action<ControlChange> changed,
        LeaseKeeperMetrics? metrics,
        ILogger logger,
        TimeProvider time,
        WatchTimings? timings = null)
    {
        _service = service;
        _key = ServiceKeys.ControlKey(connection.KeyPrefix, service, instanceId);
        _changed = changed;
        _metrics = metrics;
        _logger = logger;
        _loop = new PrefixWatchLoop(connection, service, $"the control record '{_key}'", _key, isPrefix: false, this, logger, time, timings);
    }

    /// <summary>The record's key.</summary>
    public string Key => _key;

    /// <summary>What the record asks now (<see cref="ControlRecord.Default"/> before the first listing).</summary>
    public ControlRecord Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public bool IsSynced
    {
        get
        {
            lock (_gate)
            {
                return _synced;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _present ? 1 : 0;
            }
        }
    }

    public void Start() => _loop.Start();

    public ValueTask DisposeAsync() => _loop.DisposeAsync();

    public ListingOutcome ApplyListing(RangeResponse listing)
    {
        bool first;
        lock (_gate)
        {
            first = !_synced;
            _synced = true;
        }

        // An etcd that lost its data lists no record: that asks the default, like a deleted record.
        var kv = listing.Kvs.FirstOrDefault(k => k.Key.ToStringUtf8() == _key);
        if (kv is null)
        {
            Apply(ControlRecord.Default, present: false, first, listing.Header.Revision, listed: true);
        }
        else
        {
            ApplyValue(kv, first, listed: true);
        }

        return default;
    }

    public void ApplyResponse(WatchResponse response, bool healthy)
    {
        foreach (var change in response.Events)
        {
            if (change.Type == Event.Types.EventType.Put)
            {
                ApplyValue(change.Kv, first: false, listed: false);
            }
            else
            {
                Apply(ControlRecord.Default, present: false, first: false, change.Kv.ModRevision, listed: false);
            }
        }
    }

    // The last good record stays in force; the loop logs the outage itself.
    public void ReportProblem(string problem)
    {
    }

    public void Resynced(string reason)
    {
    }

    public void Reconnected()
    {
    }

    private void ApplyValue(KeyValue kv, bool first, bool listed)
    {
        if (ControlRecord.TryDecode(kv.Value.Span, out var record, out var problem))
        {
            Apply(record, present: true, first, kv.ModRevision, listed);
            return;
        }

        Log.Skipped(_logger, _key, kv.ModRevision, problem!);
        _metrics?.ControlRecordSkipped(_service);
        if (first)
        {
            // Nothing good was ever read: the default is in force, and the owner waits for the first listing.
            Apply(ControlRecord.Default, present: true, first, kv.ModRevision, listed);
        }
    }

    private void Apply(ControlRecord record, bool present, bool first, long revision, bool listed)
    {
        bool changed;
        lock (_gate)
        {
            changed = first || listed || record != _current;
            _current = record;
            _present = present;
        }

        if (changed)
        {
            _changed(new ControlChange(record, revision, listed, first));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Warning, "Skipped the control record '{Key}' (revision {ModRevision}): {Reason}; the last one read stays in force")]
        public static partial void Skipped(ILogger logger, string key, long modRevision, string reason);
    }
}

/// <summary>A control record read from etcd.</summary>
/// <param name="Record">What it asks.</param>
/// <param name="Revision">The etcd revision it was written (or deleted, or listed) at.</param>
/// <param name="Listed">From a listing, which holds every write before it (applied even below an older revision: etcd may have lost its data).</param>
/// <param name="First">From the first listing.</param>
internal readonly record struct ControlChange(ControlRecord Record, long Revision, bool Listed, bool First);
