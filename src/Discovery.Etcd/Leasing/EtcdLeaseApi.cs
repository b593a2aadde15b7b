using Discovery.Etcd.Connection;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Discovery.Etcd.Leasing;

/// <summary>
/// <see cref="ILeaseApi"/> over a shared <see cref="EtcdConnection"/>. Keep-alives go over one raw bidirectional
/// stream that is reopened after any failure, because dotnet-etcd's own keep-alive helpers never reconnect.
/// Used by one <see cref="LeaseKeeper"/> loop at a time (not thread-safe for concurrent keep-alives).
/// </summary>
internal sealed class EtcdLeaseApi : ILeaseApi, IDisposable
{
    private readonly EtcdConnection _connection;
    private readonly TimeProvider _timeProvider;
    private AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse>? _keepAlive;
    private CancellationTokenSource? _keepAliveLifetime;

    public EtcdLeaseApi(EtcdConnection connection, TimeProvider timeProvider)
    {
        _connection = connection;
        _timeProvider = timeProvider;
    }

    public async Task<long> GrantAsync(long ttlSeconds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _connection.Lease.LeaseGrantAsync(
                new LeaseGrantRequest { TTL = ttlSeconds },
                _connection.UnaryOptions(cancellationToken, timeout)).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(response.Error))
            {
                throw new InvalidOperationException($"etcd refused the lease: {response.Error}");
            }

            return response.ID;
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
            throw;
        }
    }

    public async Task<long> KeepAliveAsync(long leaseId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var call = OpenKeepAlive();
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = leaseId }, linked.Token).ConfigureAwait(false);
            while (await call.ResponseStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                var reply = call.ResponseStream.Current;
                if (reply.ID == leaseId)
                {
                    return reply.TTL;
                }
            }

            throw new RpcException(new Status(StatusCode.Unavailable, "etcd closed the keep-alive stream."));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any failure leaves the stream in an unknown state (a reply may still be in flight): start afresh.
            CloseKeepAlive();
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
            CloseKeepAlive();
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

    public void Dispose() => CloseKeepAlive();

    private AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> OpenKeepAlive()
    {
        if (_keepAlive is { } open)
        {
            return open;
        }

        _keepAliveLifetime = new CancellationTokenSource();
        _keepAlive = _connection.Lease.LeaseKeepAlive(_connection.StreamOptions(_keepAliveLifetime.Token));
        return _keepAlive;
    }

    private void CloseKeepAlive()
    {
        var lifetime = _keepAliveLifetime;
        var call = _keepAlive;
        _keepAlive = null;
        _keepAliveLifetime = null;
        lifetime?.Cancel();
        call?.Dispose();
        lifetime?.Dispose();
    }
}
