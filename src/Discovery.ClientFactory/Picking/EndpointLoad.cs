using Grpc.Core;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// One instance's load as the call-tracking pickers see it: calls in flight, an exponentially weighted moving
/// average of latency and of success (go-zero's p2c statistics), and when it was last picked. Lives as long as the
/// instance's subchannel, so it survives picker rebuilds.
/// </summary>
/// <remarks>
/// Only the in-flight count is updated atomically: it must return to zero. The averages and stamps are plain 64-bit
/// writes (atomic on the 64-bit runtimes .NET 10 supports for servers); under contention a lost update only nudges an
/// average, and each locked instruction saved is several nanoseconds on every call.
/// </remarks>
internal sealed class EndpointLoad
{
    /// <summary>The success score of an instance with no history, and of a successful call.</summary>
    public const int FullSuccess = 1000;

    /// <summary>
    /// Under this fraction of the decay time the weight e^-x is taken as 1 - x + x²/2 (error under x³/6, 2e-7):
    /// calls usually complete microseconds to milliseconds apart against a decay time of seconds.
    /// </summary>
    private const double SeriesLimit = 0.01;

    private readonly double _decayPerTick;
    private readonly double _nanosecondsPerTick;
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
        _lagNanoseconds = initialLagNanoseconds;
        _decayPerTick = 1 / (decayTime.TotalSeconds * time.TimestampFrequency);
        _nanosecondsPerTick = 1e9 / time.TimestampFrequency;
        _lastCompletedAt = time.GetTimestamp();
        _lastPickedAt = _lastCompletedAt;
    }

    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The latency average in nanoseconds; 0 before the first completed call.</summary>
    public long LagNanoseconds => Volatile.Read(ref _lagNanoseconds);

    /// <summary>The success average, 0 to <see cref="FullSuccess"/>.</summary>
    public long Success => Volatile.Read(ref _success);

    public long LastPickedAt => Volatile.Read(ref _lastPickedAt);

    /// <summary>go-zero's load: sqrt(lag + 1) * (in flight + 1). Lower is better; never 0.</summary>
    public double Score => Math.Sqrt(LagNanoseconds + 1) * (InFlight + 1);

    public void MarkPicked(long timestamp) => Volatile.Write(ref _lastPickedAt, timestamp);

    /// <summary>Claims a forced pick: true for exactly one caller per <paramref name="seenPickedAt"/>.</summary>
    public bool TryClaimForcedPick(long seenPickedAt, long timestamp) =>
        Interlocked.CompareExchange(ref _lastPickedAt, timestamp, seenPickedAt) == seenPickedAt;

    public void OnStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>Ends a call that is counted in flight but whose outcome is not measured (abandoned, or not timed).</summary>
    public void OnAbandoned() => Interlocked.Decrement(ref _inFlight);

    public void OnCompleted(long startedAt, long completedAt, StatusCode status)
    {
        Interlocked.Decrement(ref _inFlight);
        var sinceLast = Math.Max(0, completedAt - Volatile.Read(ref _lastCompletedAt));
        Volatile.Write(ref _lastCompletedAt, completedAt);
        var rttNanoseconds = Math.Max(0, completedAt - startedAt) * _nanosecondsPerTick;

        var previousLag = Volatile.Read(ref _lagNanoseconds);
        // The first sample replaces the "no data" zero outright rather than being averaged with it.
        var weight = previousLag == 0 ? 0 : Decay(sinceLast * _decayPerTick);
        Volatile.Write(ref _lagNanoseconds, (long)((previousLag * weight) + (rttNanoseconds * (1 - weight))));

        var sample = IsFailure(status) ? 0 : FullSuccess;
        var previousSuccess = Volatile.Read(ref _success);
        Volatile.Write(ref _success, (long)((previousSuccess * weight) + (sample * (1 - weight))));
    }

    /// <summary>e^-x for x ≥ 0.</summary>
    internal static double Decay(double x) => x < SeriesLimit ? 1 - x + (x * x * 0.5) : Math.Exp(-x);

    /// <summary>The statuses go-zero counts against an instance: those that say the server, not the call, is at fault.</summary>
    private static bool IsFailure(StatusCode status) => status is StatusCode.DeadlineExceeded or StatusCode.Internal
        or StatusCode.Unavailable or StatusCode.DataLoss or StatusCode.Unimplemented or StatusCode.ResourceExhausted;
}
