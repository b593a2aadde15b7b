using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Diagnostics;
using Discovery.Etcd.Records;
using Discovery.Etcd.Retry;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Watching;

/// <summary>
/// Keeps a view of one service equal to etcd's contents through etcd incidents. Each attempt lists the service
/// (linearizable), applies the listing as a diff, then watches from the listed revision + 1 on a stream of its own;
/// any interruption leads to a jittered backoff and a new attempt, which lists again, so compactions, restarts and
/// member changes all end in a fresh, consistent listing. Only etcd removes entries: an outage keeps the last known
/// view, and after a data loss (a listing below the revision seen before) entries missing from etcd are kept for
/// <see cref="EtcdOptions.DataLossGracePeriod"/>.
/// </summary>
internal sealed partial class PrefixWatcher : IServiceWatcher, IAsyncDisposable
{
    /// <summary>The span of a listing after the first one (reconnection, compaction, data loss).</summary>
    public const string ResyncSpanName = "discovery.watch.resync";

    private readonly EtcdConnection _connection;
    private readonly ByteString _key;
    private readonly ByteString _rangeEnd;
    private readonly TimeSpan _listTimeout;
    private readonly WatchTimings _timings;
    private readonly ExponentialBackoff _backoff;
    private readonly IJitterSource _jitter;
    private readonly TimeProvider _time;
    private readonly WatchMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ServiceViewKeeper _view;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private IDisposable? _tracking;
    private int _disposed;

    // Owned by the loop.
    private int _failures;
    private long _lostAt;
    private long _listedRevision;
    private ulong _memberId;

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

        _connection = connection;
        Service = service;
        Prefix = ServiceKeys.ServicePrefix(connection.KeyPrefix, service);
        _key = ByteString.CopyFromUtf8(Prefix);
        var end = _key.ToByteArray();
        end[^1]++; // the prefix ends with '/', so the last byte never overflows
        _rangeEnd = ByteString.CopyFrom(end);
        _timings = timings ?? WatchTimings.Default;
        _listTimeout = TimeSpan.FromTicks(Math.Min(connection.Options.RequestTimeout.Ticks, _timings.HangTimeout.Ticks));
        // Doubling, each pause drawn between half and all of its ceiling so watchers that lost etcd together do not
        // return in lockstep. Not a Polly retry: the loop never ends and resets its count mid-attempt, when a watch is
        // created again, while a Polly retry counts the attempts of one execution.
        _backoff = new ExponentialBackoff(_timings.InitialBackoff, _timings.MaxBackoff, multiplier: 2, jitter: 0.5);
        _jitter = jitter ?? SharedJitterSource.Instance;
        _time = time;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger<PrefixWatcher>();
        _view = new ServiceViewKeeper(
            service, Prefix, connection.Options.DataLossGracePeriod, connection.Options.MaxRecordBytes, metrics, _logger, time);
    }

    public string Service { get; }

    /// <summary>The service's key prefix in etcd, with its trailing slash.</summary>
    public string Prefix { get; }

    public ServiceView Current => _view.Current;

    /// <summary>The etcd member that created the current (or last) watch stream; 0 before the first.</summary>
    internal ulong StreamMemberId => Volatile.Read(ref _memberId);

    /// <summary>Starts the background loop; call once.</summary>
    public void Start()
    {
        _tracking = _metrics.Track(this);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    public IDisposable Subscribe(Action<ServiceView> listener) => _view.Subscribe(listener);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _tracking?.Dispose();
        await _view.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    // Never faults: every attempt's failure is logged, reflected in the view's Problem, and retried.
    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var resyncReason = "initial";
        while (true)
        {
            try
            {
                var ended = await ListAndWatchAsync(resyncReason, cancellationToken).ConfigureAwait(false);
                if (ended.CompactRevision > 0)
                {
                    Log.Compacted(_logger, Service, ended.CompactRevision);
                    resyncReason = "compacted";
                    continue;
                }

                Fail(string.IsNullOrEmpty(ended.CancelReason) ? "etcd cancelled the watch" : "etcd cancelled the watch: " + ended.CancelReason);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: a cancelled call surfaces as OperationCanceledException or RpcException(Cancelled).
                return;
            }
            catch (Exception ex)
            {
                Fail(Describe(ex));
            }

            resyncReason = "reconnect";
            try
            {
                await Task.Delay(_backoff.DelayBefore(_failures, _jitter), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<WatchResponse> ListAndWatchAsync(string resyncReason, CancellationToken cancellationToken)
    {
        // The very first listing does not wait for a connection: an etcd that refuses connections then fails it at
        // once (Unavailable), so clients started while etcd is down fail fast instead of after the list timeout. A
        // slow etcd that accepts the connection still has the whole timeout. Later attempts wait for the channel's
        // reconnection, so a returning etcd is listed as soon as it accepts.
        var options = _connection.UnaryOptions(cancellationToken, _listTimeout);
        if (_failures > 0 || _view.Current.IsSynced)
        {
            options = options.WithWaitForReady();
        }

        // A listing after the view was first synced is a resync: its span lasts from the request to the applied diff,
        // and fails when etcd does not answer (each attempt of an outage is one failed span, paced by the backoff).
        using (var resync = _view.Current.IsSynced ? StartResync(resyncReason) : null)
        {
            try
            {
                var listing = await _connection.KV.RangeAsync(
                    new RangeRequest { Key = _key, RangeEnd = _rangeEnd }, options).ConfigureAwait(false);
                _listedRevision = listing.Header.Revision;
                var reason = ApplyListing(listing, resyncReason);
                resync?.SetTag(WatchMetrics.ResyncReasonAttribute, reason);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                resync.Fail(ex is RpcException rpc ? rpc.StatusCode.ToString() : ex.GetType().Name);
                throw;
            }
        }

        var stream = new WatchStream(_connection, _timings, _time);
        var create = new WatchCreateRequest
        {
            Key = _key,
            RangeEnd = _rangeEnd,
            StartRevision = _listedRevision + 1,
            ProgressNotify = true,
        };
        return await stream.RunAsync(create, OnResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies a listing; returns the resync reason it was counted under (<c>data_loss</c> wins).</summary>
    private string ApplyListing(RangeResponse listing, string resyncReason)
    {
        var wasSynced = _view.Current.IsSynced;
        var outcome = _view.ApplyListing(listing);
        if (outcome.DataLoss)
        {
            _metrics.Resynced(Service, "data_loss");
            return "data_loss";
        }

        if (wasSynced)
        {
            _metrics.Resynced(Service, resyncReason);
        }
        else
        {
            Log.Listed(_logger, Service, Prefix, listing.Kvs.Count, listing.Header.Revision);
        }

        return resyncReason;
    }

    private Activity? StartResync(string reason) =>
        DiscoveryActivitySource.StartRoot(ResyncSpanName, Service)?.SetTag(WatchMetrics.ResyncReasonAttribute, reason);

    private void OnResponse(WatchResponse response)
    {
        if (response.Created)
        {
            // A member that answers below our listing is behind it (or lost data since): list again.
            if (response.Header.Revision < _listedRevision)
            {
                throw new WatchInterruptedException(
                    $"the watch was created at revision {response.Header.Revision}, below the listed {_listedRevision}");
            }

            Volatile.Write(ref _memberId, response.Header.MemberId);
            if (_failures > 0)
            {
                Log.Restored(_logger, Service, _time.GetElapsedTime(_lostAt).TotalSeconds, _failures);
                _metrics.Reconnected(Service);
                _failures = 0;
            }
        }

        _view.ApplyResponse(response, healthy: response.Created);
    }

    private void Fail(string reason)
    {
        _failures++;
        if (_failures == 1)
        {
            _lostAt = _time.GetTimestamp();
            Log.Interrupted(_logger, Service, reason, _view.Current.Instances.Count);
        }
        else
        {
            Log.RetryFailed(_logger, Service, _failures, reason);
        }

        _view.ReportProblem("watch interrupted: " + reason);
    }

    private string Describe(Exception exception)
    {
        switch (exception)
        {
            case RpcException { StatusCode: StatusCode.DeadlineExceeded } rpc:
                _connection.ReportFailure(rpc);
                return $"etcd did not answer within {_listTimeout.TotalSeconds:0.#} s";
            case RpcException rpc:
                _connection.ReportFailure(rpc);
                return rpc.Status.DebugException is { } cause
                    ? $"{rpc.StatusCode}: {rpc.Status.Detail} ({cause.GetBaseException().Message})"
                    : $"{rpc.StatusCode}: {rpc.Status.Detail}";
            case OperationCanceledException:
                return $"etcd did not answer within {_listTimeout.TotalSeconds:0.#} s";
            case WatchInterruptedException:
                return exception.Message;
            default:
                Log.UnexpectedFailure(_logger, Service, exception);
                return $"{exception.GetType().Name}: {exception.Message}";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watching service '{Service}' under '{Prefix}': {Count} keys listed at revision {Revision}")]
        public static partial void Listed(ILogger logger, string service, string prefix, int count, long revision);

        [LoggerMessage(2, LogLevel.Warning, "Watch of service '{Service}' interrupted ({Reason}); keeping its last known {Count} endpoints and reconnecting")]
        public static partial void Interrupted(ILogger logger, string service, string reason, int count);

        [LoggerMessage(3, LogLevel.Debug, "Watch of service '{Service}': attempt {Attempt} failed ({Reason})")]
        public static partial void RetryFailed(ILogger logger, string service, int attempt, string reason);

        [LoggerMessage(4, LogLevel.Information, "Watch of service '{Service}' restored after {Seconds:0.0} s and {Attempts} failed attempts")]
        public static partial void Restored(ILogger logger, string service, double seconds, int attempts);

        [LoggerMessage(6, LogLevel.Information, "etcd compacted its history past the watch of service '{Service}' (compact revision {CompactRevision}); listing it again")]
        public static partial void Compacted(ILogger logger, string service, long compactRevision);


        [LoggerMessage(9, LogLevel.Error, "Watch of service '{Service}' failed unexpectedly")]
        public static partial void UnexpectedFailure(ILogger logger, string service, Exception exception);
    }
}
