using System.Diagnostics;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>Checks that a condition holds at every poll for a whole period (the opposite of Eventually).</summary>
internal static class Always
{
    public static async Task ForAsync(Func<Task<bool>> condition, TimeSpan period, string description)
    {
        var clock = Stopwatch.StartNew();
        var polls = 0;
        while (clock.Elapsed < period)
        {
            polls++;
            if (!await condition())
            {
                Assert.Fail($"'{description}' stopped holding after {clock.Elapsed.TotalMilliseconds:0} ms ({polls} polls).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }
}
