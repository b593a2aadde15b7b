namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// Calls back once an instance's ejection is over, so the balancer builds a picker that has it again. A timer runs
/// on a coarser clock than the ejection's timestamps and can fire a few milliseconds early: a picker built then
/// still leaves the instance out, and nothing else may rebuild it (a READY instance that receives no call changes no
/// state), so it stayed out for good. When the timer fires early, it is set again for the rest of the ejection.
/// </summary>
internal sealed class EjectionEnd : IDisposable
{
    /// <summary>Added to the rest of an ejection when re-arming, so the next firing is not early again.</summary>
    internal static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(5);

    private readonly EndpointHealth _health;
    private readonly Action _onEnded;
    private readonly ITimer _timer;

    public EjectionEnd(TimeProvider time, EndpointHealth health, TimeSpan backoff, Action onEnded)
    {
        _health = health;
        _onEnded = onEnded;
        _timer = time.CreateTimer(static state => ((EjectionEnd)state!).OnTimer(), this, backoff, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();

    private void OnTimer()
    {
        var remaining = _health.RemainingEjection;
        if (remaining > TimeSpan.Zero)
        {
            _timer.Change(remaining + Margin, Timeout.InfiniteTimeSpan);
            return;
        }

        _onEnded();
    }
}
