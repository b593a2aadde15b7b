using System.Collections.Concurrent;
using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Mvccpb;

namespace Discovery.EndToEnd;

/// <summary>
/// The bench's own etcd access, the baseline every figure is compared with: etcd's generated gRPC stubs on one
/// plaintext channel, no Discovery code in between.
/// </summary>
internal sealed class RawEtcd : IDisposable
{
    private readonly GrpcChannel _channel;

    public RawEtcd(string url)
    {
        _channel = GrpcChannel.ForAddress(url);
        Kv = new KV.KVClient(_channel);
        Leases = new Lease.LeaseClient(_channel);
        Watches = new Watch.WatchClient(_channel);
    }

    public KV.KVClient Kv { get; }

    public Lease.LeaseClient Leases { get; }

    public Watch.WatchClient Watches { get; }

    public async Task<long> PutAsync(string key, string value, long lease = 0)
    {
        var reply = await Kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value), Lease = lease });
        return reply.Header.Revision;
    }

    public async Task<long> DeleteAsync(string key)
    {
        var reply = await Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) });
        return reply.Header.Revision;
    }

    public async Task<RangeResponse> RangeAsync(string prefix) =>
        await Kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = RangeEnd(prefix) });

    public async Task<long> GrantAsync(TimeSpan ttl) =>
        (await Leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)ttl.TotalSeconds })).ID;

    /// <summary>Opens a watch of <paramref name="prefix"/>; every event is stamped on arrival.</summary>
    public async Task<RawWatch> WatchAsync(string prefix, CancellationToken ct)
    {
        var call = Watches.Watch(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = RangeEnd(prefix) },
        }, ct);
        var watch = new RawWatch(call, ct);
        await watch.Created.WaitAsync(TimeSpan.FromSeconds(10), ct);
        return watch;
    }

    public void Dispose() => _channel.Dispose();

    public static ByteString RangeEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }
}

/// <summary>A raw etcd watch: each event (key, put or delete) with the <see cref="Stopwatch"/> timestamp it arrived at.</summary>
internal sealed class RawWatch : IDisposable
{
    private readonly AsyncDuplexStreamingCall<WatchRequest, WatchResponse> _call;
    private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<(string Key, bool Put, long Revision), long> _seen = new();
    private readonly Task _loop;

    public RawWatch(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, CancellationToken ct)
    {
        _call = call;
        _loop = Task.Run(() => ReadAsync(ct), CancellationToken.None);
    }

    public Task Created => _created.Task;

    /// <summary>When the event for <paramref name="key"/> at <paramref name="revision"/> arrived (waits for it).</summary>
    public async Task<long> WaitAsync(string key, bool put, long revision, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_seen.TryRemove((key, put, revision), out var at))
            {
                return at;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"the raw watch saw no {(put ? "put" : "delete")} of {key} at revision {revision} within {timeout}");
            }

            await Task.Delay(1);
        }
    }

    /// <summary>When the first event for <paramref name="key"/> arrived, whatever its revision (waits for it).</summary>
    public async Task<long> WaitAnyAsync(string key, bool put, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            foreach (var (seen, at) in _seen)
            {
                if (seen.Key == key && seen.Put == put && _seen.TryRemove(seen, out _))
                {
                    return at;
                }
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"the raw watch saw no {(put ? "put" : "delete")} of {key} within {timeout}");
            }

            await Task.Delay(1);
        }
    }

    public void Clear() => _seen.Clear();

    public void Dispose()
    {
        _call.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Cancelled on dispose.
        }
    }

    private async Task ReadAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var response in _call.ResponseStream.ReadAllAsync(ct))
            {
                var at = Stopwatch.GetTimestamp();
                if (response.Created)
                {
                    _created.TrySetResult();
                }

                foreach (var change in response.Events)
                {
                    _seen[(change.Kv.Key.ToStringUtf8(), change.Type == Event.Types.EventType.Put, change.Kv.ModRevision)] = at;
                }
            }
        }
        catch (RpcException)
        {
            // The watch ends with the bench.
        }
        catch (OperationCanceledException)
        {
        }
    }
}
