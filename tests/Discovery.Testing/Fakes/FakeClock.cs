using Microsoft.Extensions.Time.Testing;

namespace Discovery.Testing.Fakes;

/// <summary>Moves a fake clock forward in small steps, letting the code under test run between steps.</summary>
internal static class FakeClock
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan RealDeadline = TimeSpan.FromSeconds(20);

    /// <summary>Advances by <paramref name="duration"/> of fake time.</summary>
    public static Task AdvanceAsync(this FakeTimeProvider time, TimeSpan duration) =>
        time.AdvanceUntilAsync(() => false, duration, throwWhenNotMet: false);

    /// <summary>
    /// Advances step by step until <paramref name="condition"/> holds, failing when it still does not after
    /// <paramref name="maxFake"/> of fake time.
    /// </summary>
    public static async Task AdvanceUntilAsync(this FakeTimeProvider time, Func<bool> condition, TimeSpan maxFake, bool throwWhenNotMet = true)
    {
        var end = time.GetUtcNow() + maxFake;
        var real = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await SettleAsync(condition))
            {
                return;
            }

            if (time.GetUtcNow() >= end || real.Elapsed > RealDeadline)
            {
                if (throwWhenNotMet)
                {
                    throw new TimeoutException($"Condition not met within {maxFake} of fake time.");
                }

                return;
            }

            time.Advance(Step);
        }
    }

    // The loop under test runs on the thread pool: give it a moment to react to the last step.
    private static async Task<bool> SettleAsync(Func<bool> condition)
    {
        for (var i = 0; i < 20; i++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Yield();
        }

        await Task.Delay(1);
        return condition();
    }
}
