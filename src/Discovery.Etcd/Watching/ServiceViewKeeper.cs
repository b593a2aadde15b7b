using Etcdserverpb;
using Microsoft.Extensions.Logging;
using Mvccpb;

namespace Discovery.Etcd.Watching;

/// <summary>
/// Keeps a watcher's view: applies what etcd says to the <see cref="ServiceViewState"/>, publishes immutable
/// <see cref="ServiceView"/> snapshots to subscribers when the endpoints or the health change, and removes the
/// records kept after a data loss when their grace period ends. Thread-safe: the receive loop and the grace timer
/// both write through it.
/// </summary>
internal sealed partial class ServiceViewKeeper : IAsyncDisposable
{
    private readonly string _service;
    private readonly TimeSpan _gracePeriod;
    private readonly WatchMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ServiceViewState _state;
    private readonly SubscriberDispatcher _dispatcher;
    private readonly ITimer _graceTimer;
    private volatile ServiceView _current;
    private int _disposed;

    // Guarded by _gate.
    private long _number;
    private long _currentNumber;
    private long _builtVersion = -1;
    private DateTimeOffset _confirmedAt;
    private string? _problem;

    public ServiceViewKeeper(
        string service, string servicePrefix, TimeSpan gracePeriod, int maxRecordBytes, WatchMetrics metrics, ILogger logger, TimeProvider time)
    {
        _service = service;
        _gracePeriod = gracePeriod;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _state = new ServiceViewState(servicePrefix, maxRecordBytes, OnRecordSkipped);
        _dispatcher = new SubscriberDispatcher(service, logger);
        _graceTimer = time.CreateTimer(_ => ExpireRetained(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _current = ServiceView.NotSynced(service, problem: null);
    }

    public ServiceView Current => _current;

    public IDisposable Subscribe(Action<ServiceView> listener) => _dispatcher.Subscribe(listener, CurrentNumbered);

    /// <summary>Replaces the records with a listing; after a data loss, missing records stay for the grace period.</summary>
    public ListingOutcome ApplyListing(RangeResponse listing)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var seenRevision = _state.Revision;
            var outcome = _state.ApplyListing(listing.Kvs, listing.Header.Revision, now, _gracePeriod);
            _confirmedAt = now;
            if (outcome.DataLoss)
            {
                Log.DataLoss(_logger, _service, listing.Header.Revision, seenRevision, outcome.Retained, _gracePeriod.TotalSeconds);
                ScheduleGraceExpiry(now);
            }

            PublishLocked();
            return outcome;
        }
    }

    /// <summary>
    /// Applies a watch reply (events, or only a confirmation); <paramref name="healthy"/> clears the problem. The view's
    /// revision follows events and progress replies, not a Created reply.
    /// </summary>
    public void ApplyResponse(WatchResponse response, bool healthy)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var change in response.Events)
            {
                if (change.Type == Event.Types.EventType.Put)
                {
                    _state.ApplyPut(change.Kv);
                }
                else
                {
                    _state.ApplyDelete(change.Kv);
                }
            }

            // A Created reply carries etcd's current revision, while the events from the watch's start revision up to
            // it come in later replies: counting it made the view claim a revision whose events it lacked, and a server
            // that had just registered then took its own record for deleted and wrote it again (seen under load after
            // an etcd restart). The listing before the watch already set the revision the view holds.
            if (!response.Created)
            {
                _state.Observe(response.Header.Revision);
            }

            _confirmedAt = now;
            if (healthy)
            {
                _problem = null;
            }

            PublishLocked();
        }
    }

    /// <summary>Marks the view as possibly stale, keeping its endpoints.</summary>
    public void ReportProblem(string problem)
    {
        lock (_gate)
        {
            _problem = problem;
            PublishLocked();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _graceTimer.DisposeAsync().ConfigureAwait(false);
        await _dispatcher.DisposeAsync().ConfigureAwait(false);
    }

    private void OnRecordSkipped(string key, long modRevision, string reason)
    {
        Log.RecordSkipped(_logger, _service, key, modRevision, reason);
        _metrics.RecordSkipped(_service);
    }

    private void ExpireRetained()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var removed = _state.ExpireRetained(now);
            if (removed > 0)
            {
                Log.GraceExpired(_logger, _service, removed);
            }

            PublishLocked();
            ScheduleGraceExpiry(now);
        }
    }

    private void ScheduleGraceExpiry(DateTimeOffset now)
    {
        if (_state.NextExpiry is { } next && Volatile.Read(ref _disposed) == 0)
        {
            _graceTimer.Change(next > now ? next - now : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private NumberedView CurrentNumbered()
    {
        lock (_gate)
        {
            return new NumberedView(_currentNumber, _current);
        }
    }

    // Views that differ only by revision or confirmation time update Current without waking subscribers.
    private void PublishLocked()
    {
        var previous = _current;
        var endpoints = previous.Instances;

        // A list kept up to date change by change is a new object only when it changed; a rebuilt one is compared.
        var compare = true;
        if (_builtVersion != _state.Version)
        {
            endpoints = _state.IsSynced ? _state.BuildEndpoints() : [];
            compare = !_state.IsSynced || _state.EndpointsRebuilt;
            _builtVersion = _state.Version;
        }

        var view = new ServiceView(
            _service,
            endpoints,
            _state.IsSynced,
            _state.Revision,
            _state.IsSynced ? _confirmedAt : null,
            _problem);
        _current = view;
        if (previous.IsSynced != view.IsSynced
            || previous.Problem != view.Problem
            || (!ReferenceEquals(previous.Instances, endpoints) && (!compare || !previous.Instances.SequenceEqual(endpoints))))
        {
            _currentNumber = ++_number;
            _dispatcher.Post(new NumberedView(_currentNumber, view));
        }
    }

    // Event ids continue PrefixWatchLoop's: both log under PrefixWatcher's category.
    private static partial class Log
    {
        [LoggerMessage(5, LogLevel.Warning, "etcd lost data: service '{Service}' listed at revision {Revision}, below the {SeenRevision} seen before; keeping {Retained} endpoints it no longer lists for {GraceSeconds} s so they can register again")]
        public static partial void DataLoss(ILogger logger, string service, long revision, long seenRevision, int retained, double graceSeconds);

        [LoggerMessage(7, LogLevel.Warning, "Skipped the malformed record '{Key}' (revision {ModRevision}) of service '{Service}': {Reason}")]
        public static partial void RecordSkipped(ILogger logger, string service, string key, long modRevision, string reason);

        [LoggerMessage(8, LogLevel.Information, "Grace period after data loss over: removed {Count} endpoints of service '{Service}' that did not register again")]
        public static partial void GraceExpired(ILogger logger, string service, int count);
    }
}
