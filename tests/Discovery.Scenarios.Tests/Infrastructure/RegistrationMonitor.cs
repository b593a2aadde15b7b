using System.Diagnostics;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// Watches, separately from the client under test, that the service's keys never go missing: it reads the prefix
/// every 50 ms and notes a key that is absent, or whose create revision changed (deleted and written again between
/// two reads, however briefly). Failed reads (an election, etcd down) are skipped, not counted as absence. It also
/// notes when it first saw each key, so a test can time what follows a registration.
/// </summary>
internal sealed class RegistrationMonitor : IAsyncDisposable
{
    private readonly EtcdClient _etcd;
    private readonly string _prefix;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, long> _created = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _firstSeen = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];
    private readonly Lock _lock = new();
    private readonly Task _loop;
    private long _reads;

    public RegistrationMonitor(EtcdClient etcd, string service)
    {
        _etcd = etcd;
        _prefix = service + "/";
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    public long Reads => Interlocked.Read(ref _reads);

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_lock)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>
    /// When (a <see cref="Stopwatch"/> timestamp) a read first returned <paramref name="key"/>, or
    /// null. The first read after etcd came back may lag its return by the client's reconnect backoff (up to 1 s).
    /// </summary>
    public long? FirstSeenAt(string key)
    {
        lock (_lock)
        {
            return _firstSeen.TryGetValue(key, out var at) ? at : null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (await timer.WaitForNextTickAsync(stop))
        {
            RangeResponse response;
            try
            {
                response = await _etcd.GetAsync(
                    new RangeRequest { Key = ByteString.CopyFromUtf8(_prefix), RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(_prefix)) },
                    deadline: DateTime.UtcNow.AddSeconds(1),
                    cancellationToken: stop);
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !stop.IsCancellationRequested)
            {
                continue;
            }

            var readAt = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _reads);
            var seen = response.Kvs.ToDictionary(kv => kv.Key.ToStringUtf8(), kv => kv.CreateRevision, StringComparer.Ordinal);
            lock (_lock)
            {
                foreach (var (key, created) in _created)
                {
                    if (!seen.TryGetValue(key, out var now))
                    {
                        _problems.Add($"{key} absent at revision {response.Header.Revision}");
                    }
                    else if (now != created)
                    {
                        _problems.Add($"{key} created again at revision {now} (was {created})");
                    }
                }

                foreach (var (key, created) in seen)
                {
                    _created[key] = created;
                    _firstSeen.TryAdd(key, readAt);
                }

                foreach (var key in _created.Keys.Except(seen.Keys).ToList())
                {
                    _created.Remove(key);
                }
            }
        }
    }
}
