namespace Discovery.Etcd.Watching;

/// <summary>
/// Exponential backoff with jitter between reconnection attempts: attempt n waits a random time between half and
/// all of min(initial × 2ⁿ⁻¹, max), so many watchers that lost etcd together do not return in lockstep.
/// </summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;

    /// <param name="initial">The ceiling of the first delay.</param>
    /// <param name="max">The ceiling of every delay.</param>
    /// <param name="random">Returns a number in [0, 1); injected so tests are deterministic.</param>
    public ReconnectBackoff(TimeSpan initial, TimeSpan max, Func<double> random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _initial = initial;
        _max = max;
        _random = random;
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> (1 for the first retry).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var ceiling = Math.Min(_max.Ticks, _initial.Ticks * (1L << exponent));
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + (0.5 * _random()))));
    }
}
