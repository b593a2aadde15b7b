using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Diagnostics;
using Discovery.Etcd.Retry;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Watching;

/// <summary>
/// Keeps an <see cref="IPrefixWatchSink"/> equal to etcd's contents of a key range through etcd incidents. Each
/// attempt lists the range (linearizable), applies the listing, then watches from the listed revision + 1 on a
/// stream of its own; any interruption leads to a jittered backoff and a new attempt, which lists again, so
/// compactions, restarts and member changes all end in a fresh, consistent listing. The sink decides what an
/// outage or a data loss does to its state. Compiled into Discovery.Hosting as linked source for the control record.
/// </summary>
internal sealed partial class PrefixWatchLoop : IAsyncDisposable
{
    /// <summary>The span of a listing after the first one (reconnection, compaction, data loss).</summary>
    public const string ResyncSpanName = "discovery.watch.resync";

    /// <summary>Why a watcher listed its keys again: <c>reconnect</c>, <c>compacted</c> or <c>data_loss</c>.</summary>
    public const string ResyncReasonAttribute = "discovery.watch.resync.reason";

    private readonly EtcdConnection _connection;
    private readonly string _service;
    private readonly string _subject;
    private readonly ByteString _key;
    private readonly string _keyText;
    private readonly ByteString _rangeEnd;
    private readonly TimeSpan _listTimeout;
    private readonly WatchTimings _timings;
    private readonly ExponentialBackoff _backoff;
    private readonly IJitterSource _jitter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IPrefixWatchSink _sink;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private int _disposed;

    // Owned by the loop.
    private int _failures;
    private long _lostAt;
    private long _listedRevision;
    private ulong _memberId;

    /// <param name="connection">The etcd connection.</param>
    /// <param name="service">The service the keys belong to (the spans' <see cref="DiscoveryMeter.ServiceAttribute"/>).</param>
    /// <param name="subject">What is watched, for the logs (<c>service 'echo'</c>).</param>
    /// <param name="key">The full key, or the prefix when <paramref name="isPrefix"/>.</param>
    /// <param name="isPrefix">Watch every key starting with <paramref name="key"/> (which then ends with '/'), or only that key.</param>
    /// <param name="sink">Receives the listings and replies.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock.</param>
    /// <param name="timings">Liveness and backoff timings.</param>
    /// <param name="jitter">Randomness of the backoff.</param>
    public PrefixWatchLoop(
        EtcdConnection connection,
        string service,
        string subject,
        string key,
        bool isPrefix,
        IPrefixWatchSink sink,
        ILogger logger,
        TimeProvider time,
        WatchTimings? timings = null,
        IJitterSource? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _service = service;
        _subject = subject;
        _key = ByteString.CopyFromUtf8(key);
        _keyText = key;
        if (isPrefix)
        {
            var end = _key.ToByteArray();
            end[^1]++; // a prefix ends with '/', so the last byte never overflows
            _rangeEnd = ByteString.CopyFrom(end);
        }
        else
        {
            _rangeEnd = ByteString.Empty; // etcd reads an empty range end as the one key
        }

        _sink = sink;
        _timings = timings ?? WatchTimings.Default;
        _listTimeout = TimeSpan.FromTicks(Math.Min(connection.Options.RequestTimeout.Ticks, _timings.HangTimeout.Ticks));
        // Doubling, each pause drawn between half and all of its ceiling so watchers that lost etcd together do not
        // return in lockstep. Not a Polly retry: the loop never ends and resets its count mid-attempt, when a watch is
        // created again, while a Polly retry counts the attempts of one execution.
        _backoff = new ExponentialBackoff(_timings.InitialBackoff, _timings.MaxBackoff, multiplier: 2, jitter: 0.5);
        _jitter = jitter ?? SharedJitterSource.Instance;
        _time = time;
        _logger = logger;
    }

    /// <summary>The etcd member that created the current (or last) watch stream; 0 before the first.</summary>
    public ulong StreamMemberId => Volatile.Read(ref _memberId);

    /// <summary>Starts the background loop; call once.</summary>
    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

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

        _stopping.Dispose();
    }

    // Never faults: every attempt's failure is logged, reported to the sink, and retried.
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
                    Log.Compacted(_logger, _subject, ended.CompactRevision);
                    resyncReason = "compacted";
                    continue;
                }

                Fail(string.IsNullOrEmpty(ended.CancelReason)
                    ? "etcd cancelled the watch"
                    : ended.CancelReason.Contains("permission denied", StringComparison.Ordinal)
                        ? EtcdCallErrors.WatchDenied(ended.CancelReason, _keyText, _connection.Options.Username)
                        : "etcd cancelled the watch: " + ended.CancelReason);
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
        if (_failures > 0 || _sink.IsSynced)
        {
            options = options.WithWaitForReady();
        }

        // A listing after the first one synced is a resync: its span lasts from the request to the applied listing,
        // and fails when etcd does not answer (each attempt of an outage is one failed span, paced by the backoff).
        using (var resync = _sink.IsSynced ? StartResync(resyncReason) : null)
        {
            try
            {
                var listing = await ListAsync(options).ConfigureAwait(false);
                _listedRevision = listing.Header.Revision;
                var reason = ApplyListing(listing, resyncReason);
                resync?.SetTag(ResyncReasonAttribute, reason);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                resync.Fail(ex is RpcException rpc ? rpc.StatusCode.ToString() : ex.GetType().Name);
                if (ex is RpcException denied && EtcdCallErrors.IsPermissionDenied(denied))
                {
                    // Not reported to the connection: a token older than a change to etcd's users or roles gets
                    // "revision of auth store is old" on a range (the connection renews it and repeats the call), so
                    // this denial is the roles' answer, and a new token on each retry would only make etcd hash the
                    // password again each time.
                    throw EtcdCallErrors.PermissionDenied(denied, "range read", _keyText, "read", _connection.Options.Username);
                }

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

    /// <summary>
    /// Lists the prefix in pages of <see cref="ListPageSize"/> keys, every page read at the first page's revision, so
    /// the pages form one consistent snapshot and no single reply grows with the service: a prefix of 50,000 records
    /// of 64 KiB each would otherwise be a 3 GiB message, past gRPC's 2 GiB limit. The pages are merged into one
    /// response (the watch resumes from its revision); a revision compacted between pages fails this attempt, and
    /// the loop lists again.
    /// </summary>
    private async Task<RangeResponse> ListAsync(CallOptions options)
    {
        var listing = await _connection.KV.RangeAsync(
            new RangeRequest { Key = _key, RangeEnd = _rangeEnd, Limit = ListPageSize }, options).ConfigureAwait(false);
        var more = listing.More;
        while (more && listing.Kvs.Count > 0)
        {
            var last = listing.Kvs[^1].Key;
            var page = await _connection.KV.RangeAsync(
                new RangeRequest
                {
                    Key = ByteString.CopyFrom([.. last.Span, (byte)0]),
                    RangeEnd = _rangeEnd,
                    Limit = ListPageSize,
                    Revision = listing.Header.Revision,
                },
                options).ConfigureAwait(false);
            listing.Kvs.AddRange(page.Kvs);
            more = page.More;
        }

        listing.More = false;
        listing.Count = listing.Kvs.Count;
        return listing;
    }

    /// <summary>Keys per listing page: with values up to 64 KiB (MaxRecordBytes), a page stays under 64 MiB.</summary>
    internal const int ListPageSize = 1000;

    /// <summary>Applies a listing; returns the resync reason it was counted under (<c>data_loss</c> wins).</summary>
    private string ApplyListing(RangeResponse listing, string resyncReason)
    {
        var wasSynced = _sink.IsSynced;
        var outcome = _sink.ApplyListing(listing);
        if (outcome.DataLoss)
        {
            _sink.Resynced("data_loss");
            return "data_loss";
        }

        if (wasSynced)
        {
            _sink.Resynced(resyncReason);
        }
        else
        {
            Log.Listed(_logger, _subject, listing.Kvs.Count, listing.Header.Revision);
        }

        return resyncReason;
    }

    private Activity? StartResync(string reason) =>
        DiscoveryActivitySource.StartRoot(ResyncSpanName, _service)?.SetTag(ResyncReasonAttribute, reason);

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
                Log.Restored(_logger, _subject, _time.GetElapsedTime(_lostAt).TotalSeconds, _failures);
                _sink.Reconnected();
                _failures = 0;
            }
        }

        _sink.ApplyResponse(response, healthy: response.Created);
    }

    private void Fail(string reason)
    {
        _failures++;
        if (_failures == 1)
        {
            _lostAt = _time.GetTimestamp();
            Log.Interrupted(_logger, _subject, reason, _sink.Count);
        }
        else
        {
            Log.RetryFailed(_logger, _subject, _failures, reason);
        }

        _sink.ReportProblem("watch interrupted: " + reason);
    }

    private string Describe(Exception exception)
    {
        switch (exception)
        {
            case RpcException { StatusCode: StatusCode.DeadlineExceeded } rpc:
                _connection.ReportFailure(rpc);
                return $"etcd did not answer within {_listTimeout.TotalSeconds:0.#} s";
            case RpcException { StatusCode: StatusCode.PermissionDenied } rpc:
                return rpc.Status.Detail;
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
                Log.UnexpectedFailure(_logger, _subject, exception);
                return $"{exception.GetType().Name}: {exception.Message}";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watching {Subject}: {Count} keys listed at revision {Revision}")]
        public static partial void Listed(ILogger logger, string subject, int count, long revision);

        [LoggerMessage(2, LogLevel.Warning, "Watch of {Subject} interrupted ({Reason}); keeping its last known {Count} entries and reconnecting")]
        public static partial void Interrupted(ILogger logger, string subject, string reason, int count);

        [LoggerMessage(3, LogLevel.Debug, "Watch of {Subject}: attempt {Attempt} failed ({Reason})")]
        public static partial void RetryFailed(ILogger logger, string subject, int attempt, string reason);

        [LoggerMessage(4, LogLevel.Information, "Watch of {Subject} restored after {Seconds:0.0} s and {Attempts} failed attempts")]
        public static partial void Restored(ILogger logger, string subject, double seconds, int attempts);

        [LoggerMessage(6, LogLevel.Information, "etcd compacted its history past the watch of {Subject} (compact revision {CompactRevision}); listing it again")]
        public static partial void Compacted(ILogger logger, string subject, long compactRevision);

        [LoggerMessage(9, LogLevel.Error, "Watch of {Subject} failed unexpectedly")]
        public static partial void UnexpectedFailure(ILogger logger, string subject, Exception exception);
    }
}
