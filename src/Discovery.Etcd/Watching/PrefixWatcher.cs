using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Discovery.Etcd.Retry;
using Etcdserverpb;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Watching;

/// <summary>
/// Keeps a view of one service equal to etcd's contents through etcd incidents: a <see cref="PrefixWatchLoop"/> over
/// the service's prefix feeding a <see cref="ServiceViewKeeper"/>. Only etcd removes entries: an outage keeps the
/// last known view, and after a data loss (a listing below the revision seen before) entries missing from etcd are
/// kept for <see cref="EtcdOptions.DataLossGracePeriod"/>.
/// </summary>
internal sealed class PrefixWatcher : IServiceWatcher, IPrefixWatchSink, IAsyncDisposable
{
    /// <summary>The span of a listing after the first one (reconnection, compaction, data loss).</summary>
    public const string ResyncSpanName = PrefixWatchLoop.ResyncSpanName;

    private readonly WatchMetrics _metrics;
    private readonly ServiceViewKeeper _view;
    private readonly PrefixWatchLoop _loop;
    private IDisposable? _tracking;
    private int _disposed;

    public PrefixWatcher(
        EtcdConnection connection,
        string service,
        WatchMetrics metrics,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        WatchTimings? timings = null,
        IJitterSource? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (ServiceKeys.ValidateServiceName(service) is { } problem)
        {
            throw new ArgumentException($"The service name {problem}.", nameof(service));
        }

        Service = service;
        Prefix = ServiceKeys.ServicePrefix(connection.KeyPrefix, service);
        _metrics = metrics;
        var logger = loggerFactory.CreateLogger<PrefixWatcher>();
        _view = new ServiceViewKeeper(
            service, Prefix, connection.Options.DataLossGracePeriod, connection.Options.MaxRecordBytes, metrics, logger, time);
        _loop = new PrefixWatchLoop(connection, service, $"service '{service}' under '{Prefix}'", Prefix, isPrefix: true, this, logger, time, timings, jitter);
    }

    public string Service { get; }

    /// <summary>The service's key prefix in etcd, with its trailing slash.</summary>
    public string Prefix { get; }

    public ServiceView Current => _view.Current;

    /// <summary>The etcd member that created the current (or last) watch stream; 0 before the first.</summary>
    internal ulong StreamMemberId => _loop.StreamMemberId;

    bool IPrefixWatchSink.IsSynced => _view.Current.IsSynced;

    int IPrefixWatchSink.Count => _view.Current.Instances.Count;

    /// <summary>Starts the background loop; call once.</summary>
    public void Start()
    {
        _tracking = _metrics.Track(this);
        _loop.Start();
    }

    public IDisposable Subscribe(Action<ServiceView> listener) => _view.Subscribe(listener);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _loop.DisposeAsync().ConfigureAwait(false);
        _tracking?.Dispose();
        await _view.DisposeAsync().ConfigureAwait(false);
    }

    ListingOutcome IPrefixWatchSink.ApplyListing(RangeResponse listing) => _view.ApplyListing(listing);

    void IPrefixWatchSink.ApplyResponse(WatchResponse response, bool healthy) => _view.ApplyResponse(response, healthy);

    void IPrefixWatchSink.ReportProblem(string problem) => _view.ReportProblem(problem);

    void IPrefixWatchSink.Resynced(string reason) => _metrics.Resynced(Service, reason);

    void IPrefixWatchSink.Reconnected() => _metrics.Reconnected(Service);
}
