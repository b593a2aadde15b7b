using System.Diagnostics;
using Discovery.Etcd;
using Discovery.Etcd.Connection;
using Discovery.Testing;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// Watches a service's keys from outside the processes under test and records, per key, when it was deleted and when
/// it was put again. It holds one watch on every member of the cluster and takes each revision from whichever member
/// delivers it first, so a hung member delays nothing: a cluster with quorum always has a member that reports at once.
/// </summary>
internal sealed class RecordLossWatch : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly HashSet<long> _applied = [];
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordLoss> _open = new(StringComparer.Ordinal);
    private readonly List<RecordLoss> _closed = [];
    private readonly List<EtcdConnection> _connections = [];
    private readonly Dictionary<string, string> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<long, List<(string Member, TimeSpan At)>> _arrivals = [];
    private readonly List<(TimeSpan At, TimeSpan Lag)> _lags = [];
    private readonly Task[] _loops;
    private int _watching;

    private RecordLossWatch(IReadOnlyList<EtcdNode> members, string service, long startRevision)
    {
        _prefix = service + "/";
        _loops = [.. members.Select(m => Task.Run(() => WatchMemberAsync(m, startRevision, _stop.Token))), ProbeLagAsync(_stop.Token)];
    }

    /// <summary>Time since the watch started: the clock of every <see cref="RecordLoss"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Every loss seen so far, the open ones (no put yet) included, in the order they began.</summary>
    public IReadOnlyList<RecordLoss> Losses
    {
        get
        {
            lock (_lock)
            {
                return [.. _closed.Concat(_open.Values).OrderBy(l => l.DeletedRevision)];
            }
        }
    }

    /// <summary>Losses not ended by a put yet.</summary>
    public int OpenLosses
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>
    /// Watches every member from the revision after the current one and returns once each watch is created, so no
    /// change made after this returns is missed.
    /// </summary>
    public static async Task<RecordLossWatch> StartAsync(IReadOnlyList<EtcdNode> members, EtcdNode answering, string service)
    {
        using var client = answering.CreateClient();
        var watch = new RecordLossWatch(members, service, await client.CurrentRevisionAsync() + 1);
        try
        {
            await Eventually.UntilAsync(() => Volatile.Read(ref watch._watching) == members.Count, TimeSpan.FromSeconds(10), "a watch on every member");
        }
        catch
        {
            await watch.DisposeAsync();
            throw;
        }

        return watch;
    }

    /// <summary>Where each member's watch stands, for a failure message.</summary>
    public string DescribeStreams()
    {
        lock (_lock)
        {
            return string.Join("; ", _streams.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"));
        }
    }

    /// <summary>
    /// For a failure message: when each member delivered the loss's put, and how late this process's thread pool ran
    /// between the deletion and the put (a stalled test process sees every put late, however soon etcd applied it).
    /// </summary>
    public string Explain(RecordLoss loss)
    {
        lock (_lock)
        {
            var arrivals = loss.BackRevision is { } back && _arrivals.TryGetValue(back, out var list)
                ? string.Join(", ", list.Select(a => $"{a.Member} at +{a.At.TotalSeconds:0.000} s"))
                : "none";
            var end = loss.BackAt ?? Now;
            var lags = _lags.Where(l => l.At >= loss.DeletedAt && l.At - l.Lag <= end).Select(l => l.Lag).ToList();
            var lag = lags.Count == 0 ? "less than 50 ms" : $"up to {lags.Max().TotalMilliseconds:0} ms";
            return $"{loss}; put delivered by {arrivals}; this process's thread pool ran {lag} late in between";
        }
    }

    /// <summary>The thread-pool lags of this process past 50 ms since <paramref name="from"/>, for a failure message.</summary>
    public string DescribeLags(TimeSpan from)
    {
        lock (_lock)
        {
            var lags = _lags.Where(l => l.At >= from).ToList();
            return lags.Count == 0
                ? "none past 50 ms"
                : $"{lags.Count} past 50 ms, up to {lags.Max(l => l.Lag).TotalMilliseconds:0} ms: {string.Join(", ", lags.Select(l => $"+{l.At.TotalSeconds:0.0} s {l.Lag.TotalMilliseconds:0} ms"))}";
        }
    }

    /// <summary>True when the service's key for <paramref name="address"/> exists (as far as the watch saw).</summary>
    public bool Holds(string address)
    {
        lock (_lock)
        {
            return _present.Contains(_prefix + address);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        _stop.Dispose();
    }

    private async Task WatchMemberAsync(EtcdNode member, long startRevision, CancellationToken stop)
    {
        var url = member.ClientUrl;
        // One connection per member: a shared channel would balance the stream onto any member, the hung one included.
        // Its HTTP/2 pings (6 s) break a stream to a hung member; the loop then waits for the member to answer again.
        // On an auth cluster (the scenario suite's roles mode) it reads as root, as the tests' other observers do.
        var connection = new EtcdConnection(member.Options.EnableAuth
            ? new EtcdOptions { Endpoints = { url }, Username = "root", Password = member.Options.RootPassword }
            : new EtcdOptions { Endpoints = { url } });
        lock (_lock)
        {
            _connections.Add(connection);
        }

        var next = startRevision;
        var created = false;
        var attempts = 0;
        string? lastError = null;
        while (!stop.IsCancellationRequested)
        {
            attempts++;
            Note(url, $"attempt {attempts} from rev {next} at +{Now.TotalSeconds:0.000} s, last error {lastError ?? "none"}");
            try
            {
                using var call = connection.Watch.Watch(connection.StreamOptions(stop));
                await call.RequestStream.WriteAsync(
                    new WatchRequest
                    {
                        CreateRequest = new WatchCreateRequest
                        {
                            Key = ByteString.CopyFromUtf8(_prefix),
                            RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(_prefix)),
                            StartRevision = next,
                        },
                    },
                    stop);
                await foreach (var response in call.ResponseStream.ReadAllAsync(stop))
                {
                    if (response.Created && !created)
                    {
                        created = true;
                        Interlocked.Increment(ref _watching);
                    }

                    if (response.Canceled || response.CompactRevision > 0)
                    {
                        throw new InvalidOperationException($"the watch on {url} was cancelled: '{response.CancelReason}', compacted at {response.CompactRevision}");
                    }

                    foreach (var revision in response.Events.GroupBy(e => e.Kv.ModRevision))
                    {
                        Apply(member.Name, revision.Key, revision);
                        next = revision.Key + 1;
                    }

                    Note(url, $"attempt {attempts}, next rev {next}, last reply at +{Now.TotalSeconds:0.000} s");
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested && e is RpcException or IOException or InvalidOperationException)
            {
                lastError = $"{e.GetType().Name} at +{Now.TotalSeconds:0.000} s: {e.Message}";
                await Task.Delay(TimeSpan.FromMilliseconds(100), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Note(string url, string state)
    {
        lock (_lock)
        {
            _streams[url] = state;
        }
    }

    // Every 20 ms, how late a thread-pool continuation ran; lags past 50 ms are kept.
    private async Task ProbeLagAsync(CancellationToken stop)
    {
        var period = TimeSpan.FromMilliseconds(20);
        while (!stop.IsCancellationRequested)
        {
            var before = Now;
            await Task.Delay(period, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var lag = Now - before - period;
            if (lag > TimeSpan.FromMilliseconds(50))
            {
                lock (_lock)
                {
                    _lags.Add((Now, lag));
                }
            }
        }
    }

    private void Apply(string member, long revision, IEnumerable<Mvccpb.Event> events)
    {
        var now = Now;
        var utc = DateTime.UtcNow;
        lock (_lock)
        {
            if (!_arrivals.TryGetValue(revision, out var arrivals))
            {
                _arrivals[revision] = arrivals = [];
            }

            arrivals.Add((member, now));

            // Each member delivers revisions in order, so whichever is ahead applies each revision first, in order.
            if (!_applied.Add(revision))
            {
                return;
            }

            foreach (var e in events)
            {
                var key = e.Kv.Key.ToStringUtf8();
                if (e.Type == Mvccpb.Event.Types.EventType.Delete)
                {
                    _present.Remove(key);
                    _open.TryAdd(key, new RecordLoss(key, revision, now, utc));
                }
                else
                {
                    _present.Add(key);
                    if (_open.Remove(key, out var loss))
                    {
                        _closed.Add(loss with { BackRevision = revision, BackAt = now });
                    }
                }
            }
        }
    }
}

/// <summary>A key deleted at <see cref="DeletedAt"/> and, unless still open, put again at <see cref="BackAt"/>.</summary>
internal sealed record RecordLoss(string Key, long DeletedRevision, TimeSpan DeletedAt, DateTime DeletedUtc)
{
    public long? BackRevision { get; init; }

    public TimeSpan? BackAt { get; init; }

    /// <summary>How long the key was absent: until it came back, or until <paramref name="now"/> while still open.</summary>
    public TimeSpan Absent(TimeSpan now) => (BackAt ?? now) - DeletedAt;

    public override string ToString() =>
        $"{Key} deleted at rev {DeletedRevision} ({DeletedUtc:HH:mm:ss.fff} UTC, +{DeletedAt.TotalSeconds:0.000} s), "
        + (BackAt is { } back ? $"back at rev {BackRevision} after {(back - DeletedAt).TotalMilliseconds:0} ms" : "not back");
}
