using Discovery.Etcd.Retry;

namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// Outlier ejection of one instance: a call that fails in transport (connection refused or reset, HTTP/2 errors;
/// not a gRPC status, not a cancellation) ejects the instance for a backoff that doubles with every ejection in a
/// row (1 s to 30 s, see <see cref="Backoff"/>) and resets once a call succeeds. This stops the "black hole"
/// grpc-dotnet can leave: a subchannel that stays READY while every call on it fails at once, and that p2c would
/// even prefer.
/// </summary>
/// <param name="time">The clock ejections are timed on.</param>
/// <param name="jitter">The randomness each ejection's length is drawn with.</param>
internal sealed class EndpointHealth(TimeProvider time, IJitterSource jitter)
{
    /// <summary>
    /// Ejections last 1 s doubling to 30 s, each drawn between 80 % and all of its ceiling. An instance that fails
    /// fails every client's calls at about the same moment, so without jitter every client would let it back in the
    /// same instant: in step, with a burst of calls on an instance that may just be coming back. A fifth spreads the
    /// clients over 200 ms at the first ejection and 6 s at the cap, while still keeping calls off a dead instance
    /// for nearly the whole backoff (half, as the watcher uses, would double the probing of a dead one at worst).
    /// </summary>
    public static readonly ExponentialBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), multiplier: 2, jitter: 0.2);

    private readonly Lock _lock = new();
    private int _ejections;
    private long _ejectedUntil = long.MinValue;

    /// <summary>When the current ejection ends (a <see cref="TimeProvider"/> timestamp), or null when not ejected.</summary>
    public long? EjectedUntil
    {
        get
        {
            var until = Interlocked.Read(ref _ejectedUntil);
            return until > time.GetTimestamp() ? until : null;
        }
    }

    public bool IsEjected => EjectedUntil is not null;

    /// <summary>How long the current ejection still lasts; zero when not ejected.</summary>
    public TimeSpan RemainingEjection
    {
        get
        {
            // Compared before subtracting: "never ejected" is long.MinValue.
            var until = Interlocked.Read(ref _ejectedUntil);
            var now = time.GetTimestamp();
            return until > now ? TimeSpan.FromSeconds((until - now) / (double)time.TimestampFrequency) : TimeSpan.Zero;
        }
    }

    /// <summary>Records a transport failure; returns the ejection's length when it starts one, null when already ejected.</summary>
    public TimeSpan? ReportTransportFailure()
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_ejectedUntil > now)
            {
                return null;
            }

            _ejections++;
            var backoff = Backoff.DelayBefore(_ejections, jitter);
            Interlocked.Exchange(ref _ejectedUntil, now + (long)(backoff.TotalSeconds * time.TimestampFrequency));
            return backoff;
        }
    }

    public void ReportSuccess()
    {
        if (Volatile.Read(ref _ejections) != 0)
        {
            lock (_lock)
            {
                _ejections = 0;
            }
        }
    }
}
