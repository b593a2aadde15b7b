namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// Outlier ejection of one instance: a call that fails in transport (connection refused or reset, HTTP/2 errors;
/// not a gRPC status, not a cancellation) ejects the instance for a backoff that doubles with every ejection in a
/// row (1 s to 30 s) and resets once a call succeeds. This stops the "black hole" grpc-dotnet can leave: a
/// subchannel that stays READY while every call on it fails at once, and that p2c would even prefer.
/// </summary>
internal sealed class EndpointHealth(TimeProvider time)
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

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

            var backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, InitialBackoff.Ticks << Math.Min(_ejections, 10)));
            _ejections++;
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
