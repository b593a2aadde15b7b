using Discovery.Etcd.Connection;
using Etcdserverpb;
using Grpc.Core;

namespace Discovery.Etcd.Watching;

/// <summary>
/// One raw etcd watch stream with a liveness check. It asks the serving member to hold a leader (so a member cut
/// off from its cluster ends the stream), and sends a progress request every
/// <see cref="WatchTimings.ProgressInterval"/>: a stream that stays silent for <see cref="WatchTimings.HangTimeout"/>
/// is a hung etcd, and is ended with <see cref="WatchInterruptedException"/>. One instance runs one stream.
/// </summary>
internal sealed class WatchStream
{
    // etcd's require-leader metadata (rpctypes.MetadataRequireLeaderKey / MetadataHasLeader).
    private static readonly Metadata s_requireLeader = new() { { "hasleader", "true" } };

    private static readonly WatchRequest s_progressRequest = new() { ProgressRequest = new WatchProgressRequest() };

    private readonly EtcdConnection _connection;
    private readonly WatchTimings _timings;
    private readonly TimeProvider _time;
    private long _lastHeard;
    private volatile bool _created;
    private volatile string? _abortReason;

    public WatchStream(EtcdConnection connection, WatchTimings timings, TimeProvider time)
    {
        _connection = connection;
        _timings = timings;
        _time = time;
    }

    /// <summary>
    /// Creates the watch and passes every reply, the <c>Created</c> one included, to <paramref name="onResponse"/>.
    /// Returns the compaction or cancellation that ended the watch (relist, then watch again); throws
    /// <see cref="WatchInterruptedException"/> when etcd hung or closed the stream, <see cref="RpcException"/> when
    /// the call failed, and <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fired.
    /// </summary>
    public async Task<WatchResponse> RunAsync(
        WatchCreateRequest create,
        Action<WatchResponse> onResponse,
        CancellationToken cancellationToken)
    {
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var options = _connection.StreamOptions(stream.Token).WithHeaders(s_requireLeader).WithWaitForReady();
        using var call = _connection.Watch.Watch(options);
        Volatile.Write(ref _lastHeard, _time.GetTimestamp());
        var watchdog = WatchdogAsync(call.RequestStream, stream);
        try
        {
            await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, stream.Token).ConfigureAwait(false);
            while (await call.ResponseStream.MoveNext(stream.Token).ConfigureAwait(false))
            {
                Volatile.Write(ref _lastHeard, _time.GetTimestamp());
                var response = call.ResponseStream.Current;
                if (response.Created)
                {
                    _created = true;
                }

                if (response.Canceled || response.CompactRevision > 0)
                {
                    return response;
                }

                onResponse(response);
            }

            throw new WatchInterruptedException("etcd closed the watch stream");
        }
        catch (Exception ex) when (_abortReason is { } reason && !cancellationToken.IsCancellationRequested
            && ex is RpcException or OperationCanceledException)
        {
            throw new WatchInterruptedException(reason, ex);
        }
        finally
        {
            await stream.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
        }
    }

    // Never faults: it ends when the stream is cancelled, or cancels the stream (saying why) when etcd stays silent
    // for too long or a progress request cannot be written.
    private async Task WatchdogAsync(IClientStreamWriter<WatchRequest> requests, CancellationTokenSource stream)
    {
        var token = stream.Token;
        var hung = $"etcd did not answer for {_timings.HangTimeout.TotalSeconds:0.#} s (hung or unreachable)";
        try
        {
            while (true)
            {
                await Task.Delay(_timings.ProgressInterval, _time, token).ConfigureAwait(false);
                if (_time.GetElapsedTime(Volatile.Read(ref _lastHeard)) >= _timings.HangTimeout)
                {
                    _abortReason = hung;
                    break;
                }

                // Only after Created: the create request is then written, and writes must not overlap.
                if (_created)
                {
                    await requests.WriteAsync(s_progressRequest, token)
                        .WaitAsync(_timings.HangTimeout, _time, token)
                        .ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (TimeoutException)
        {
            _abortReason = hung;
        }
        catch (Exception ex)
        {
            _abortReason = "a progress request could not be sent: " + ex.Message;
        }

        await stream.CancelAsync().ConfigureAwait(false);
    }
}
