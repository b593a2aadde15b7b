using Discovery.Etcd.Connection;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Discovery.Hosting.Leasing;

/// <summary>
/// <see cref="ILeaseApi"/> over a shared <see cref="EtcdConnection"/>. Keep-alives go over raw bidirectional streams
/// (dotnet-etcd's own keep-alive helpers never reconnect): one is kept while it answers, a failed one is closed, and
/// concurrent (hedged) keep-alives each get a stream of their own, the one that answers being kept.
/// </summary>
internal sealed class EtcdLeaseApi : ILeaseApi, IDisposable
{
    private readonly EtcdConnection _connection;
    private readonly TimeProvider _timeProvider;
    private KeepAliveStream? _idle;
    private volatile bool _disposed;

    public EtcdLeaseApi(EtcdConnection connection, TimeProvider timeProvider)
    {
        _connection = connection;
        _timeProvider = timeProvider;
    }

    public async Task GrantAsync(long leaseId, long ttlSeconds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _connection.Lease.LeaseGrantAsync(
                new LeaseGrantRequest { ID = leaseId, TTL = ttlSeconds },
                _connection.UnaryOptions(cancellationToken, timeout)).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(response.Error))
            {
                throw new InvalidOperationException($"etcd refused the lease: {response.Error}");
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition && ex.Status.Detail.Contains("lease already exists", StringComparison.Ordinal))
        {
            // An earlier attempt with this id (hedged, retried, or timed out after etcd applied it) granted it.
        }
        catch (RpcException ex)
        {
            _connection.ReportFailure(ex);
            throw;
        }
    }

    public async Task<long> PutAllAsync(long leaseId, IReadOnlyList<LeaseRecord> records, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var transaction = new TxnRequest();
        foreach (var record in records)
        {
            transaction.Success.Add(new RequestOp
            {
                RequestPut = new PutRequest
                {
                    Key = ByteString.CopyFromUtf8(record.Key),
                    Value = ByteString.CopyFrom(record.Value),
                    Lease = leaseId,
                },
            });
        }

        try
        {
            var response = await _connection.KV.TxnAsync(transaction, _connection.UnaryOptions(cancellationToken, timeout)).ConfigureAwait(false);
            return response.Header.Revision;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw new LeaseNotFoundException($"etcd does not know lease {leaseId:x}: {ex.Status.Detail}", ex);
        }
        catch (RpcException ex)
        {
            _connection.ReportFailure(ex);
            throw Named(ex, "put", records);
        }
    }

    /// <summary>A permission denial named with its operation, key(s) and user; any other error as it is.</summary>
    private RpcException Named(RpcException exception, string operation, IReadOnlyList<LeaseRecord> records) =>
        EtcdCallErrors.IsPermissionDenied(exception)
            ? EtcdCallErrors.PermissionDenied(
                exception, operation, string.Join("', '", records.Select(r => r.Key)), "write", _connection.Options.Username)
            : exception;

    public async Task<long> DeleteOwnedAsync(long leaseId, IReadOnlyList<LeaseRecord> records, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // One nested transaction per key, each deleting its key only while the key is attached to our lease: a key
        // that a restarted server on the same address wrote since belongs to it. Nested, so it is one round trip.
        var transaction = new TxnRequest();
        foreach (var record in records)
        {
            var key = ByteString.CopyFromUtf8(record.Key);
            var owned = new TxnRequest();
            owned.Compare.Add(new Compare
            {
                Key = key,
                Target = Compare.Types.CompareTarget.Lease,
                Result = Compare.Types.CompareResult.Equal,
                Lease = leaseId,
            });
            owned.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } });
            transaction.Success.Add(new RequestOp { RequestTxn = owned });
        }

        try
        {
            var response = await _connection.KV.TxnAsync(transaction, _connection.UnaryOptions(cancellationToken, timeout)).ConfigureAwait(false);
            return response.Header.Revision;
        }
        catch (RpcException ex)
        {
            _connection.ReportFailure(ex);
            throw Named(ex, "delete", records);
        }
    }

    public async Task<long> KeepAliveAsync(long leaseId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        // The kept stream when it is free; a hedged attempt beside it gets a stream of its own, on the next member.
        var stream = Interlocked.Exchange(ref _idle, null) ?? KeepAliveStream.Open(_connection);
        try
        {
            await stream.Call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = leaseId }, linked.Token).ConfigureAwait(false);
            while (await stream.Call.ResponseStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                var reply = stream.Call.ResponseStream.Current;
                if (reply.ID == leaseId)
                {
                    Keep(stream);
                    return reply.TTL;
                }
            }

            throw new RpcException(new Status(StatusCode.Unavailable, "etcd closed the keep-alive stream."));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any failure leaves the stream in an unknown state (a reply may still be in flight): start afresh.
            stream.Dispose();
            if (ex is RpcException rpc)
            {
                _connection.ReportFailure(rpc);
            }

            if (deadline.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                throw new TimeoutException($"etcd did not answer a keep-alive within {timeout.TotalMilliseconds:0} ms.", ex);
            }

            throw;
        }
        catch
        {
            // Cancelled, also when a hedged attempt beside this one won: this stream may sit on a hung member.
            stream.Dispose();
            throw;
        }
    }

    public async Task RevokeAsync(long leaseId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.Lease.LeaseRevokeAsync(
                new LeaseRevokeRequest { ID = leaseId },
                _connection.UnaryOptions(cancellationToken, timeout)).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // Already gone: exactly what a revoke wants.
        }
        catch (RpcException ex)
        {
            _connection.ReportFailure(ex);
            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _idle, null)?.Dispose();
    }

    // The stream that answered last is kept for the next renewal, so while members answer no stream is opened.
    private void Keep(KeepAliveStream stream)
    {
        if (Interlocked.CompareExchange(ref _idle, stream, null) is not null)
        {
            // Another attempt's stream is kept already.
            stream.Dispose();
        }
        else if (_disposed && Interlocked.CompareExchange(ref _idle, null, stream) == stream)
        {
            // Disposed meanwhile, and Dispose did not take this stream itself.
            stream.Dispose();
        }
    }

    private sealed class KeepAliveStream : IDisposable
    {
        private readonly CancellationTokenSource _lifetime;

        private KeepAliveStream(CancellationTokenSource lifetime, AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call)
        {
            _lifetime = lifetime;
            Call = call;
        }

        public AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> Call { get; }

        public static KeepAliveStream Open(EtcdConnection connection)
        {
            var lifetime = new CancellationTokenSource();
            return new KeepAliveStream(lifetime, connection.Lease.LeaseKeepAlive(connection.StreamOptions(lifetime.Token)));
        }

        public void Dispose()
        {
            _lifetime.Cancel();
            Call.Dispose();
            _lifetime.Dispose();
        }
    }
}
