using Grpc.Core;

namespace Discovery.ClientFactory.LoadTracking;

/// <summary>
/// One tracked call: the instance the picker chose and, when the call is that instance's latency sample, its timing,
/// so the interceptor can report the call's real outcome (its gRPC status, which grpc-dotnet's call tracker never
/// sees). A value: tracking a call allocates nothing.
/// </summary>
/// <remarks>Made by <see cref="EndpointLoad.StartCall"/>; its end must be reported exactly once.</remarks>
internal readonly struct CallTracking
{
    private readonly EndpointLoad? _load;
    private readonly LatencySample? _sample;

    public CallTracking(EndpointLoad load, LatencySample? sample)
    {
        _load = load;
        _sample = sample;
    }

    /// <summary>True when no pick attached the call to an instance (untracked picker, or picked after the call's start).</summary>
    public bool IsEmpty => _load is null;

    /// <summary>True when the call is its instance's latency sample.</summary>
    public bool IsTimed => _sample is not null;

    /// <summary>Reports the call's outcome, reading the clock only for a timed call.</summary>
    public void Complete(StatusCode status)
    {
        if (_sample is not null)
        {
            _sample.Complete(status);
        }
        else
        {
            _load?.EndCall();
        }
    }

    /// <summary>Ends the call without statistics: its pick was repeated, or it never started.</summary>
    public void Abandon()
    {
        if (_sample is not null)
        {
            _sample.Abandon();
        }
        else
        {
            _load?.EndCall();
        }
    }

    /// <summary>
    /// Reports the outcome of a unary call once <paramref name="response"/> completes. The call object goes back to
    /// the caller unchanged: wrapping it would cost an async state machine, a new call object and three delegates per
    /// call. The continuation is a delegate made once per instance (untimed) or per sample (timed).
    /// </summary>
    public void CompleteWhen(Task response)
    {
        if (_load is null)
        {
            return;
        }

        if (response.IsCompleted)
        {
            Complete(StatusOf(response));
        }
        else if (_sample is not null)
        {
            _sample.CompleteWhen(response);
        }
        else
        {
            // An untimed call needs only its end, not its status.
            response.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_load.EndCallAction);
        }
    }

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
