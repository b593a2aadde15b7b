using System.Diagnostics;

namespace Discovery.Testing;

/// <summary>Waits for a condition with a deadline instead of sleeping.</summary>
/// <example><code>await Eventually.UntilAsync(() => seen.Count == 3, TimeSpan.FromSeconds(5), "three endpoints seen");</code></example>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Polls <paramref name="condition"/> every ~25 ms until it is true; throws <see cref="EventuallyTimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string description, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, description, ct);
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every ~25 ms until it returns true; an exception from it counts as "not yet".
    /// Throws <see cref="EventuallyTimeoutException"/> (with the last exception as inner) after <paramref name="timeout"/>.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string description, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        var attempts = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            attempts++;
            var remaining = timeout - clock.Elapsed;
            try
            {
                // A hung condition must not outlive the deadline.
                if (remaining > TimeSpan.Zero && await condition().WaitAsync(remaining, ct).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                last = e;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new EventuallyTimeoutException(
                    $"Timed out after {clock.Elapsed.TotalSeconds:0.00} s (limit {timeout.TotalSeconds:0.##} s, {attempts} attempts) waiting for: {description}"
                    + (last is null ? string.Empty : $". Last error: {last.GetType().Name}: {last.Message}"),
                    last);
            }

            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }
}
