using Discovery.ClientFactory.Picking;
using Grpc.Core;

namespace Discovery.ClientFactory.Tracking;

/// <summary>
/// One tracked call: the instance the picker chose and when, so the interceptor can report the call's real outcome
/// (its gRPC status, which grpc-dotnet's call tracker never sees) to that instance's load statistics.
/// </summary>
/// <remarks>
/// Picks that attach run on the thread starting the call, inside its synchronous start (<see cref="CallContext"/>),
/// and the outcome is reported after that start returned: the fields need no atomic operations.
/// </remarks>
internal sealed class CallTracking
{
    /// <summary>The start stamp of a call counted in flight but not timed (least_request needs no latency).</summary>
    private const long Untimed = long.MinValue;

    private EndpointLoad? _load;
    private long _startedAt;
    private Task? _response;
    private TimeProvider? _time;

    /// <summary>
    /// Counts the call in flight on <paramref name="load"/> and times it from <paramref name="timestamp"/>. A pick
    /// repeated after a queue or a not-ready subchannel moves the count; the earlier choice is forgotten without
    /// statistics.
    /// </summary>
    public void Attach(EndpointLoad load, long timestamp)
    {
        load.OnStarted();
        _load?.OnAbandoned();
        _load = load;
        _startedAt = timestamp;
    }

    /// <summary>Counts the call in flight on <paramref name="load"/> without timing it.</summary>
    public void AttachUntimed(EndpointLoad load) => Attach(load, Untimed);

    /// <summary>Reports the call's outcome once, reading the clock only for a timed call; later reports are ignored.</summary>
    public void Complete(StatusCode status, TimeProvider time)
    {
        if (_load is not null)
        {
            Complete(status, _startedAt == Untimed ? 0 : time.GetTimestamp());
        }
    }

    /// <summary>Reports the call's outcome once at <paramref name="timestamp"/>; later reports are ignored.</summary>
    public void Complete(StatusCode status, long timestamp)
    {
        if (_load is { } load)
        {
            _load = null;
            if (_startedAt == Untimed)
            {
                load.OnAbandoned();
            }
            else
            {
                load.OnCompleted(_startedAt, timestamp, status);
            }
        }
    }

    /// <summary>
    /// Reports the outcome of a unary call once <paramref name="response"/> completes. The call object goes back to
    /// the caller unchanged: wrapping it would cost an async state machine, a new call object and three delegates per
    /// call; a continuation on the response costs one delegate.
    /// </summary>
    public void CompleteWith(Task response, TimeProvider time)
    {
        if (_load is null)
        {
            // Picked after the call's synchronous start (queued while connecting): not tracked, nothing to report.
            return;
        }

        if (response.IsCompleted)
        {
            Complete(StatusOf(response), time);
            return;
        }

        _response = response;
        _time = time;
        // Not flowing the execution context: the report touches only this object and the instance's statistics.
        response.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(OnResponseCompleted);
    }

    private void OnResponseCompleted() => Complete(StatusOf(_response!), _time!);

    /// <summary>The status a completed unary response ended with, as the caller awaiting it will see it.</summary>
    internal static StatusCode StatusOf(Task response) => response.Status switch
    {
        TaskStatus.RanToCompletion => StatusCode.OK,
        TaskStatus.Canceled => StatusCode.Cancelled,
        _ => StatusOf(response.Exception?.InnerException),
    };

    /// <summary>The status a call that threw <paramref name="error"/> ended with.</summary>
    internal static StatusCode StatusOf(Exception? error) => error switch
    {
        RpcException e => e.StatusCode,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };
}
