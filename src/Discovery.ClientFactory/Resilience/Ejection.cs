namespace Discovery.ClientFactory.Resilience;

/// <summary>
/// One instance's outlier-ejection state. An instance whose calls fail at the transport level is ejected at once
/// for a backoff that doubles with each ejection in a row (<see cref="BaseBackoff"/> to <see cref="MaxBackoff"/>) and
/// is reset by a call that succeeds after it came back. Guarded by the balancer's lock, except
/// <see cref="OnSucceeded"/>, which only clears the count.
/// </summary>
internal sealed class Ejection
{
    public static readonly TimeSpan BaseBackoff = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private int _inARow;

    /// <summary>True from an ejection until its backoff ends.</summary>
    public bool IsEjected { get; private set; }

    /// <summary>Ejections in a row: 0 once a call succeeded after the last one.</summary>
    public int InARow => Volatile.Read(ref _inARow);

    /// <summary>Ends the current backoff early, when the instance goes away.</summary>
    public ITimer? Timer { get; private set; }

    /// <summary>Ejects and returns the backoff to wait before the instance may be picked again.</summary>
    public TimeSpan Eject()
    {
        IsEjected = true;
        var n = Interlocked.Increment(ref _inARow);
        var backoff = BaseBackoff * Math.Pow(2, Math.Min(n - 1, 16));
        return backoff < MaxBackoff ? backoff : MaxBackoff;
    }

    public void StartTimer(ITimer timer)
    {
        Timer?.Dispose();
        Timer = timer;
    }

    /// <summary>The backoff ended: the instance may be picked again once its connection is ready.</summary>
    public void Readmit()
    {
        IsEjected = false;
        Timer?.Dispose();
        Timer = null;
    }

    /// <summary>A call got response headers from the instance: the next ejection starts from the base backoff.</summary>
    public void OnSucceeded()
    {
        if (Volatile.Read(ref _inARow) != 0 && !IsEjected)
        {
            Volatile.Write(ref _inARow, 0);
        }
    }

    public void Dispose()
    {
        Timer?.Dispose();
        Timer = null;
    }
}
