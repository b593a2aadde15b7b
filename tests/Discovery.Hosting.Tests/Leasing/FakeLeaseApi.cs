using Discovery.Hosting.Leasing;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.Testing.Fakes;

/// <summary>An in-memory etcd for the lease keeper: leases, records, reachability, and a log of calls at fake times.</summary>
internal sealed class FakeLeaseApi : ILeaseApi
{
    private readonly FakeTimeProvider _time;
    private readonly object _gate = new();
    private readonly HashSet<long> _leases = [];
    private readonly Dictionary<string, (byte[] Value, long Lease)> _records = new(StringComparer.Ordinal);
    private readonly List<Call> _calls = [];
    private readonly Dictionary<string, int> _hangNext = new(StringComparer.Ordinal);
    private long _revision = 1;
    private int _inFlight;

    public FakeLeaseApi(FakeTimeProvider time) => _time = time;

    /// <summary>False: every call fails at once as if etcd were down.</summary>
    public bool Reachable { get; set; } = true;

    /// <summary>True: every call hangs until its timeout (a hung etcd).</summary>
    public bool Hung { get; set; }

    /// <summary>How long every reachable call takes to answer (a slow but healthy etcd).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Calls started and not yet answered, failed or cancelled.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public IReadOnlyList<Call> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public int Count(string kind) => Calls.Count(c => c.Kind == kind);

    public IReadOnlyDictionary<string, long> RecordLeases()
    {
        lock (_gate)
        {
            return _records.ToDictionary(r => r.Key, r => r.Value.Lease, StringComparer.Ordinal);
        }
    }

    public bool IsAlive(long lease)
    {
        lock (_gate)
        {
            return _leases.Contains(lease);
        }
    }

    /// <summary>etcd lost everything (wiped data folder): leases and keys gone.</summary>
    public void Wipe()
    {
        lock (_gate)
        {
            _leases.Clear();
            _records.Clear();
        }
    }

    /// <summary>The next <paramref name="count"/> calls of <paramref name="kind"/> hang until their timeout: they landed on a hung cluster member.</summary>
    public void HangNext(string kind, int count = 1)
    {
        lock (_gate)
        {
            _hangNext[kind] = count;
        }
    }

    public void DeleteRecord(string key)
    {
        lock (_gate)
        {
            _records.Remove(key);
        }
    }

    public async Task GrantAsync(long leaseId, long ttlSeconds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnterAsync("grant", leaseId, timeout, cancellationToken);
        lock (_gate)
        {
            _leases.Add(leaseId);
        }
    }

    /// <summary>How many leases etcd holds.</summary>
    public int LeaseCount
    {
        get
        {
            lock (_gate)
            {
                return _leases.Count;
            }
        }
    }

    public async Task<long> PutAllAsync(long leaseId, IReadOnlyList<LeaseRecord> records, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnterAsync("put", leaseId, timeout, cancellationToken);
        lock (_gate)
        {
            if (!_leases.Contains(leaseId))
            {
                throw new LeaseNotFoundException();
            }

            foreach (var record in records)
            {
                _records[record.Key] = (record.Value, leaseId);
            }

            return ++_revision;
        }
    }

    public async Task<long> DeleteOwnedAsync(long leaseId, IReadOnlyList<LeaseRecord> records, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnterAsync("delete", leaseId, timeout, cancellationToken);
        lock (_gate)
        {
            foreach (var record in records)
            {
                if (_records.TryGetValue(record.Key, out var held) && held.Lease == leaseId)
                {
                    _records.Remove(record.Key);
                }
            }

            return ++_revision;
        }
    }

    /// <summary>Another process writes <paramref name="key"/> under a lease of its own.</summary>
    public void WriteForeign(string key, long lease)
    {
        lock (_gate)
        {
            _leases.Add(lease);
            _records[key] = ([], lease);
        }
    }

    public async Task<long> KeepAliveAsync(long leaseId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnterAsync("keepalive", leaseId, timeout, cancellationToken);
        lock (_gate)
        {
            return _leases.Contains(leaseId) ? 6 : 0;
        }
    }

    public async Task RevokeAsync(long leaseId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnterAsync("revoke", leaseId, timeout, cancellationToken);
        lock (_gate)
        {
            _leases.Remove(leaseId);
            foreach (var key in _records.Where(r => r.Value.Lease == leaseId).Select(r => r.Key).ToArray())
            {
                _records.Remove(key);
            }
        }
    }

    private async Task EnterAsync(string kind, long lease, TimeSpan timeout, CancellationToken cancellationToken)
    {
        bool hung;
        lock (_gate)
        {
            hung = Hung;
            if (_hangNext.TryGetValue(kind, out var left) && left > 0)
            {
                _hangNext[kind] = left - 1;
                hung = true;
            }

            _calls.Add(new Call(kind, lease, _time.GetUtcNow(), Reachable && !hung));
        }

        Interlocked.Increment(ref _inFlight);
        try
        {
            if (hung)
            {
                await Task.Delay(timeout, _time, cancellationToken);
                throw new TimeoutException("fake etcd hung");
            }

            if (!Reachable)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "fake etcd is down"));
            }

            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, _time, cancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    internal sealed record Call(string Kind, long Lease, DateTimeOffset At, bool Reached);
}
