using Grpc.Core;

namespace Discovery.ClientFactory.LoadTracking;

/// <summary>
/// One instance's load as the call-tracking pickers see it: calls in flight, an exponentially weighted moving
/// average of latency and of success (go-zero's p2c statistics), and when it was last picked. Lives as long as the
/// instance's subchannel, so it survives picker rebuilds.
/// </summary>
/// <remarks>
/// <para>
/// The in-flight count is exact. Latency and success come from a sample of the calls: at most one timed call in
/// flight per instance, and at most one started per millisecond. go-zero's averages weigh each sample by the time
/// since the previous one (1 - e^-Δt/τ), not by the number of calls, so a sample every millisecond gives the same
/// average as timing every call, while the calls between samples read no precise clock and allocate nothing.
/// </para>
/// <para>
/// Only the in-flight count and the sample claim are updated atomically. The averages and stamps are plain 64-bit
/// writes (atomic on the 64-bit runtimes .NET 10 supports for servers) made by the sample's end. Two ends can race
/// only after a sample outlived the decay time and was given up; a lost update then nudges an average, no more.
/// </para>
/// </remarks>
internal sealed class EndpointLoad
{
    /// <summary>The success score of an instance with no history, and of a successful call.</summary>
    public const int FullSuccess = 1000;

    /// <summary>
    /// Under this fraction of the decay time the weight e^-x is taken as 1 - x + x²/2 (error under x³/6, 2e-7):
    /// samples usually complete milliseconds apart against a decay time of seconds.
    /// </summary>
    private const double SeriesLimit = 0.01;

    private readonly TimeProvider _time;
    private readonly double _decayPerTick;
    private readonly double _nanosecondsPerTick;
    private readonly long _staleSampleMilliseconds;
    private readonly Action _endCall;
    private long _inFlight;
    private long _lagNanoseconds;
    private double _lagFactor;
    private long _success = FullSuccess;
    private long _lastCompletedAt;
    private long _lastPickedAt;
    private long _lastSampledAt = long.MinValue;
    private LatencySample? _activeSample;
    private LatencySample _spareSample;

    /// <param name="time">The clock.</param>
    /// <param name="decayTime">
    /// The EWMA time constant. A timed call still in flight after this long no longer holds the instance's sample:
    /// the next call is timed (a call that never ends must not freeze the average).
    /// </param>
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
        _lagFactor = LagFactor(initialLagNanoseconds);
        _decayPerTick = 1 / (decayTime.TotalSeconds * time.TimestampFrequency);
        _nanosecondsPerTick = 1e9 / time.TimestampFrequency;
        _staleSampleMilliseconds = Math.Max(1, (long)decayTime.TotalMilliseconds);
        _lastCompletedAt = time.GetTimestamp();
        _lastPickedAt = CoarseClock.Milliseconds(time);
        _endCall = EndCall;
        _spareSample = new LatencySample(this, time);
    }

    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The latency average in nanoseconds; 0 before the first completed call.</summary>
    public long LagNanoseconds => Volatile.Read(ref _lagNanoseconds);

    /// <summary>The success average, 0 to <see cref="FullSuccess"/>.</summary>
    public long Success => Volatile.Read(ref _success);

    /// <summary>When the instance was last picked, in <see cref="CoarseClock"/> milliseconds.</summary>
    public long LastPickedAt => Volatile.Read(ref _lastPickedAt);

    /// <summary>
    /// go-zero's load: sqrt(lag + 1) * (in flight + 1). Lower is better; never 0. The square root is taken when the
    /// lag changes, not on every pick.
    /// </summary>
    public double Score => Volatile.Read(ref _lagFactor) * (InFlight + 1);

    /// <summary>Stamps a pick at <paramref name="milliseconds"/>, writing only when the millisecond changed.</summary>
    public void MarkPicked(long milliseconds)
    {
        if (Volatile.Read(ref _lastPickedAt) != milliseconds)
        {
            Volatile.Write(ref _lastPickedAt, milliseconds);
        }
    }

    /// <summary>Claims a forced pick: true for exactly one caller per <paramref name="seenPickedAt"/>.</summary>
    public bool TryClaimForcedPick(long seenPickedAt, long milliseconds) =>
        Interlocked.CompareExchange(ref _lastPickedAt, milliseconds, seenPickedAt) == seenPickedAt;

    /// <summary>
    /// Counts a call in flight and, when <paramref name="timed"/>, times it if it is this instance's sample (see the
    /// class remarks). The caller reports its end through the returned tracking, exactly once.
    /// </summary>
    /// <param name="timed">True for pickers that read latency and success.</param>
    /// <param name="milliseconds">The pick's <see cref="CoarseClock"/> stamp.</param>
    public CallTracking StartCall(bool timed, long milliseconds)
    {
        Interlocked.Increment(ref _inFlight);
        return new CallTracking(this, timed ? TryStartSample(milliseconds) : null);
    }

    /// <summary>Ends an untimed call: the in-flight count only. Cached as a delegate so awaiting its response allocates nothing.</summary>
    public void EndCall() => Interlocked.Decrement(ref _inFlight);

    /// <summary><see cref="EndCall"/> as a delegate made once.</summary>
    public Action EndCallAction => _endCall;

    /// <summary>Ends a timed call whose outcome is not measured (the pick was repeated): frees the sample.</summary>
    internal void OnSampleAbandoned(LatencySample sample)
    {
        EndCall();
        Interlocked.CompareExchange(ref _activeSample, null, sample);
    }

    /// <summary>Ends a timed call: updates the averages, then frees the sample for a later call.</summary>
    internal void OnSampleCompleted(LatencySample sample, long startedAt, long completedAt, StatusCode status)
    {
        EndCall();
        var sinceLast = Math.Max(0, completedAt - Volatile.Read(ref _lastCompletedAt));
        Volatile.Write(ref _lastCompletedAt, completedAt);
        var rttNanoseconds = Math.Max(0, completedAt - startedAt) * _nanosecondsPerTick;

        var previousLag = Volatile.Read(ref _lagNanoseconds);
        // The first sample replaces the "no data" zero outright rather than being averaged with it.
        var weight = previousLag == 0 ? 0 : Decay(sinceLast * _decayPerTick);
        var lag = (long)((previousLag * weight) + (rttNanoseconds * (1 - weight)));
        Volatile.Write(ref _lagNanoseconds, lag);
        Volatile.Write(ref _lagFactor, LagFactor(lag));

        var outcome = IsFailure(status) ? 0 : FullSuccess;
        var previousSuccess = Volatile.Read(ref _success);
        Volatile.Write(ref _success, (long)((previousSuccess * weight) + (outcome * (1 - weight))));

        // Last: once freed, the sample object may be claimed by another call.
        Interlocked.CompareExchange(ref _activeSample, null, sample);
    }

    /// <summary>e^-x for x ≥ 0.</summary>
    internal static double Decay(double x) => x < SeriesLimit ? 1 - x + (x * x * 0.5) : Math.Exp(-x);

    /// <summary>
    /// The sample for a call picked at <paramref name="milliseconds"/>, or null: one per millisecond, one in flight. A
    /// sample in flight for longer than the decay time is given up (its call still reports when it ends) and a new
    /// object takes its place, so the old call's late report cannot touch a newer call's sample.
    /// </summary>
    private LatencySample? TryStartSample(long milliseconds)
    {
        if (Volatile.Read(ref _lastSampledAt) == milliseconds)
        {
            return null;
        }

        var active = Volatile.Read(ref _activeSample);
        LatencySample sample;
        if (active is null)
        {
            sample = Volatile.Read(ref _spareSample);
            if (Interlocked.CompareExchange(ref _activeSample, sample, null) is not null)
            {
                return null;
            }
        }
        else if (milliseconds - active.StartedAtMilliseconds >= _staleSampleMilliseconds)
        {
            sample = new LatencySample(this, _time);
            if (Interlocked.CompareExchange(ref _activeSample, sample, active) != active)
            {
                return null;
            }

            Volatile.Write(ref _spareSample, sample);
        }
        else
        {
            return null;
        }

        Volatile.Write(ref _lastSampledAt, milliseconds);
        sample.Start(milliseconds);
        return sample;
    }

    private static double LagFactor(long lagNanoseconds) => Math.Sqrt(lagNanoseconds + 1);

    /// <summary>The statuses go-zero counts against an instance: those that say the server, not the call, is at fault.</summary>
    private static bool IsFailure(StatusCode status) => status is StatusCode.DeadlineExceeded or StatusCode.Internal
        or StatusCode.Unavailable or StatusCode.DataLoss or StatusCode.Unimplemented or StatusCode.ResourceExhausted;
}
