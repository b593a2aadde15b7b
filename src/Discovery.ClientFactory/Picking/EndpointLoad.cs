using Grpc.Core;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// One instance's load as the call-tracking pickers see it: calls in flight, an exponentially weighted moving
/// average of latency and of success (go-zero's p2c statistics), and when it was last picked. Lives as long as the
/// instance's subchannel, so it survives picker rebuilds. Updated lock-free; a lost update under contention only
/// nudges an average.
/// </summary>
internal sealed class EndpointLoad
{
    /// <summary>The success score of an instance with no history, and of a successful call.</summary>
    public const int FullSuccess = 1000;

    private readonly TimeProvider _time;
    private readonly double _decayTicks;
    private long _inFlight;
    private long _lagNanoseconds;
    private long _success = FullSuccess;
    private long _lastCompletedAt;
    private long _lastPickedAt;

    /// <param name="time">The clock.</param>
    /// <param name="decayTime">The EWMA time constant.</param>
    /// <param name="initialLagNanoseconds">
    /// The latency to assume before the first call completes: the peers' average for an instance joining a running
    /// channel. go-zero starts at zero, which makes a new instance the best choice until its first call completes:
    /// on a cold server that first call is slow, every caller piles onto it meanwhile, and its slow first sample then
    /// holds it back for several decay times.
    /// </param>
    public EndpointLoad(TimeProvider time, TimeSpan decayTime, long initialLagNanoseconds = 0)
    {
        _time = time;
        _lagNanoseconds = initialLagNanoseconds;
        _decayTicks = decayTime.TotalSeconds * time.TimestampFrequency;
        _lastCompletedAt = time.GetTimestamp();
        _lastPickedAt = _lastCompletedAt;
    }

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>The latency average in nanoseconds; 0 before the first completed call.</summary>
    public long LagNanoseconds => Interlocked.Read(ref _lagNanoseconds);

    /// <summary>The success average, 0 to <see cref="FullSuccess"/>.</summary>
    public long Success => Interlocked.Read(ref _success);

    public long LastPickedAt => Interlocked.Read(ref _lastPickedAt);

    /// <summary>go-zero's load: sqrt(lag + 1) * (in flight + 1). Lower is better; never 0.</summary>
    public double Score => Math.Sqrt(LagNanoseconds + 1) * (InFlight + 1);

    public void MarkPicked(long timestamp) => Interlocked.Exchange(ref _lastPickedAt, timestamp);

    /// <summary>Claims a forced pick: true for exactly one caller per <paramref name="seenPickedAt"/>.</summary>
    public bool TryClaimForcedPick(long seenPickedAt, long timestamp) =>
        Interlocked.CompareExchange(ref _lastPickedAt, timestamp, seenPickedAt) == seenPickedAt;

    public void OnStarted() => Interlocked.Increment(ref _inFlight);

    public void OnAbandoned() => Interlocked.Decrement(ref _inFlight);

    public void OnCompleted(long startedAt, long completedAt, StatusCode status)
    {
        Interlocked.Decrement(ref _inFlight);
        var sinceLast = Math.Max(0, completedAt - Interlocked.Exchange(ref _lastCompletedAt, completedAt));
        var rttNanoseconds = Math.Max(0, _time.GetElapsedTime(startedAt, completedAt).Ticks) * 100;

        var previousLag = Interlocked.Read(ref _lagNanoseconds);
        // The first sample replaces the "no data" zero outright rather than being averaged with it.
        var weight = previousLag == 0 ? 0 : Math.Exp(-sinceLast / _decayTicks);
        Interlocked.Exchange(ref _lagNanoseconds, (long)((previousLag * weight) + (rttNanoseconds * (1 - weight))));

        var sample = IsFailure(status) ? 0 : FullSuccess;
        var previousSuccess = Interlocked.Read(ref _success);
        Interlocked.Exchange(ref _success, (long)((previousSuccess * weight) + (sample * (1 - weight))));
    }

    /// <summary>The statuses go-zero counts against an instance: those that say the server, not the call, is at fault.</summary>
    private static bool IsFailure(StatusCode status) => status is StatusCode.DeadlineExceeded or StatusCode.Internal
        or StatusCode.Unavailable or StatusCode.DataLoss or StatusCode.Unimplemented or StatusCode.ResourceExhausted;
}
