using System.Diagnostics;

namespace Discovery.Etcd.Retry;

/// <summary>
/// The one backoff formula of every retry loop in Discovery. The pause before retry <c>n</c> (1 for the first) has
/// the ceiling min(<see cref="Initial"/> × <see cref="Multiplier"/>ⁿ⁻¹, <see cref="Max"/>) and is drawn uniformly
/// from ((1 − <see cref="Jitter"/>) × ceiling, ceiling]. Jitter only ever shortens a pause, so <see cref="Max"/> is a
/// true bound and a draw of 0 gives the ceiling itself.
/// </summary>
/// <remarks>
/// Immutable and validated once, so one instance serves any number of loops and threads; a delay costs no
/// allocation. The policy keeps no count of retries: each caller already counts them for its own reasons (the
/// watcher's failures drive its logs and metrics, an endpoint's ejection count is read lock-free on every successful
/// call, a call's attempt number bounds its attempts, Polly hands its attempt number over), so it passes that count
/// in and resets it on success, and no second counter can fall out of step with it.
/// </remarks>
internal sealed class ExponentialBackoff
{
    /// <param name="initial">The ceiling of the first pause; positive.</param>
    /// <param name="max">The ceiling of every pause; at least <paramref name="initial"/>.</param>
    /// <param name="multiplier">How much each ceiling grows over the one before; 1 or more (1: no growth).</param>
    /// <param name="jitter">The fraction of a ceiling a draw may take off, 0 (none) to 1 (anything down to zero).</param>
    public ExponentialBackoff(TimeSpan initial, TimeSpan max, double multiplier, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        if (!double.IsFinite(multiplier) || multiplier < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, "The multiplier must be a finite number of at least 1.");
        }

        if (jitter is not (>= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "The jitter must be a fraction from 0 to 1.");
        }

        Initial = initial;
        Max = max;
        Multiplier = multiplier;
        Jitter = jitter;
    }

    /// <summary>The ceiling of the first pause.</summary>
    public TimeSpan Initial { get; }

    /// <summary>The ceiling of every pause.</summary>
    public TimeSpan Max { get; }

    /// <summary>How much each ceiling grows over the one before.</summary>
    public double Multiplier { get; }

    /// <summary>The fraction of a ceiling a draw may take off.</summary>
    public double Jitter { get; }

    /// <summary>The longest pause before retry <paramref name="retry"/> (1 for the first).</summary>
    public TimeSpan CeilingBefore(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);

        // A large exponent makes Pow +∞, which the cap absorbs: a loop may retry for ever without overflowing.
        var ticks = Math.Min(Max.Ticks, Initial.Ticks * Math.Pow(Multiplier, retry - 1));
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// The pause before retry <paramref name="retry"/> (1 for the first), jittered with one draw from
    /// <paramref name="random"/> (none when <see cref="Jitter"/> is 0). Thread-safe when the source is.
    /// </summary>
    public TimeSpan DelayBefore(int retry, IJitterSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var ceiling = CeilingBefore(retry).Ticks;
        if (Jitter == 0)
        {
            return TimeSpan.FromTicks(ceiling);
        }

        var draw = random.NextFraction();
        Debug.Assert(draw is >= 0 and < 1, "A jitter source draws from [0, 1).");
        return TimeSpan.FromTicks(ceiling - (long)(ceiling * Jitter * draw));
    }
}
