using Discovery.Etcd.Watching;

namespace Discovery.Etcd.Tests.Watching;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(4, 800)]
    [InlineData(5, 1000)]
    [InlineData(1000, 1000)]
    public void DelayBefore_HighestJitter_DoublesUpToCap(int attempt, int expectedMilliseconds)
    {
        var backoff = new ReconnectBackoff(Initial, Max, () => 0.999999);

        Assert.Equal(expectedMilliseconds, backoff.DelayBefore(attempt).TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void DelayBefore_LowestJitter_IsHalfTheCeiling()
    {
        var backoff = new ReconnectBackoff(Initial, Max, () => 0);

        Assert.Equal(TimeSpan.FromMilliseconds(500), backoff.DelayBefore(10));
    }

    [Fact]
    public void DelayBefore_RandomJitter_SpreadsDelays()
    {
        var random = new Random(42);
        var backoff = new ReconnectBackoff(Initial, Max, random.NextDouble);

        var delays = Enumerable.Range(0, 50).Select(_ => backoff.DelayBefore(10)).Distinct().Count();

        Assert.True(delays > 40, $"only {delays} distinct delays");
    }
}
