using Grpc.Core;

namespace Discovery.ClientFactory.LoadTracking;

/// <summary>
/// The one timed call an instance may have in flight (see <see cref="EndpointLoad"/>): when it started, and the
/// response to await. The object is reused by the instance's later samples and its completion delegate is made once,
/// so timing a call allocates nothing.
/// </summary>
internal sealed class LatencySample
{
    private readonly EndpointLoad _load;
    private readonly TimeProvider _time;
    private readonly Action _onResponseCompleted;
    private long _startedAt;
    private Task? _response;

    public LatencySample(EndpointLoad load, TimeProvider time)
    {
        _load = load;
        _time = time;
        _onResponseCompleted = OnResponseCompleted;
    }

    /// <summary>When the sample was claimed, in <see cref="CoarseClock"/> milliseconds.</summary>
    public long StartedAtMilliseconds { get; private set; }

    public void Start(long milliseconds)
    {
        StartedAtMilliseconds = milliseconds;
        _startedAt = _time.GetTimestamp();
    }

    public void Complete(StatusCode status) => _load.OnSampleCompleted(this, _startedAt, _time.GetTimestamp(), status);

    public void Abandon() => _load.OnSampleAbandoned(this);

    /// <summary>Completes with <paramref name="response"/>'s status once it completes (it has not yet).</summary>
    public void CompleteWhen(Task response)
    {
        _response = response;
        // Not flowing the execution context: the report touches only this object and the instance's statistics.
        response.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onResponseCompleted);
    }

    private void OnResponseCompleted()
    {
        var response = _response!;
        _response = null;
        Complete(CallTracking.StatusOf(response));
    }
}
