using Discovery.Etcd.Leasing;
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
    private long _nextLease = 100;
    private long _revision = 1;

    public FakeLeaseApi(FakeTimeProvider time) => _time = time;

    /// <summary>False: every call fails at once as if etcd were down.</summary>
    public bool Reachable { get; set; } = true;

    /// <summary>True: every call hangs until its timeout (a hung etcd).</summary>
    public bool Hung { get; set; }

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

    public void DeleteRecord(string key)
    {
        lock (_gate)
        {
            _records.Remove(key);
        }
    }

    public async Task<long> GrantAsync(long ttlSeconds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnterAsync("grant", 0, timeout, cancellationToken);
        lock (_gate)
        {
            var id = _nextLease++;
            _leases.Add(id);
            return id;
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
        var reachable = Reachable && !Hung;
        lock (_gate)
        {
            _calls.Add(new Call(kind, lease, _time.GetUtcNow(), reachable));
        }

        if (Hung)
        {
            await Task.Delay(timeout, _time, cancellationToken);
            throw new TimeoutException("fake etcd hung");
        }

        if (!Reachable)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "fake etcd is down"));
        }
    }

    internal sealed record Call(string Kind, long Lease, DateTimeOffset At, bool Reached);
}
