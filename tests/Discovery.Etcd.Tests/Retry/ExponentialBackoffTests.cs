using Discovery.Etcd.Retry;
using Discovery.Testing.Fakes;

namespace Discovery.Etcd.Tests.Retry;

public sealed class ExponentialBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    // The watcher's reconnect policy: doubling from 100 ms to 1 s, drawn between half and all of the ceiling.
    private readonly ExponentialBackoff _watch = new(Initial, Max, multiplier: 2, jitter: 0.5);

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(4, 800)]
    [InlineData(5, 1000)]
    [InlineData(1000, 1000)]
    [InlineData(int.MaxValue, 1000)]
    public void DelayBefore_DrawZero_DoublesUpToTheCap(int retry, int expectedMilliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), _watch.DelayBefore(retry, ScriptedJitter.None));

    [Fact]
    public void CeilingBefore_OtherMultiplier_GrowsByIt()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120), multiplier: 1.6, jitter: 0.2);

        var ceilings = Enumerable.Range(1, 4).Select(backoff.CeilingBefore).Select(c => c.TotalMilliseconds).ToArray();

        Assert.Equal(new double[] { 1000, 1600, 2560, 4096 }, ceilings);
    }

    [Fact]
    public void DelayBefore_HighestDraw_TakesOffTheWholeJitterFraction()
    {
        var delay = _watch.DelayBefore(10, ScriptedJitter.Highest);

        Assert.InRange(delay, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500) + TimeSpan.FromTicks(1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void DelayBefore_RandomDraws_StayBetweenTheJitterFloorAndTheCeiling(double jitter)
    {
        var backoff = new ExponentialBackoff(Initial, Max, multiplier: 2, jitter);
        var random = new SeededJitter(42);

        for (var retry = 1; retry <= 8; retry++)
        {
            var ceiling = backoff.CeilingBefore(retry);
            for (var i = 0; i < 200; i++)
            {
                Assert.InRange(backoff.DelayBefore(retry, random), ceiling * (1 - jitter), ceiling);
            }
        }
    }

    [Fact]
    public void DelayBefore_RandomDraws_SpreadDelays()
    {
        var random = new SeededJitter(42);

        var delays = Enumerable.Range(0, 50).Select(_ => _watch.DelayBefore(10, random)).Distinct().Count();

        Assert.True(delays > 40, $"only {delays} distinct delays");
    }

    [Fact]
    public void DelayBefore_NoJitter_DrawsNothing()
    {
        var backoff = new ExponentialBackoff(Initial, Max, multiplier: 2, jitter: 0);
        var random = ScriptedJitter.Highest;

        var delay = backoff.DelayBefore(3, random);

        Assert.Equal((TimeSpan.FromMilliseconds(400), 0), (delay, random.Draws));
    }

    [Fact]
    public void DelayBefore_CountStartedOver_StartsAgainFromInitial()
    {
        // Callers reset by counting from 1 again: the policy keeps no state between calls.
        _watch.DelayBefore(7, ScriptedJitter.None);

        Assert.Equal(Initial, _watch.DelayBefore(1, ScriptedJitter.None));
    }

    [Fact]
    public void DelayBefore_RetryZero_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _watch.DelayBefore(0, ScriptedJitter.None));

    [Theory]
    [InlineData(0, 1000, 2, 0.5, "initial")]
    [InlineData(-1, 1000, 2, 0.5, "initial")]
    [InlineData(100, 99, 2, 0.5, "max")]
    [InlineData(100, 1000, 0.5, 0.5, "multiplier")]
    [InlineData(100, 1000, double.NaN, 0.5, "multiplier")]
    [InlineData(100, 1000, double.PositiveInfinity, 0.5, "multiplier")]
    [InlineData(100, 1000, 2, -0.1, "jitter")]
    [InlineData(100, 1000, 2, 1.1, "jitter")]
    [InlineData(100, 1000, 2, double.NaN, "jitter")]
    public void Constructor_InvalidValue_ThrowsNamingIt(int initialMs, int maxMs, double multiplier, double jitter, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialBackoff(
            TimeSpan.FromMilliseconds(initialMs), TimeSpan.FromMilliseconds(maxMs), multiplier, jitter));

        Assert.Equal(parameter, e.ParamName);
    }

    /// <summary>Seeded draws, so a failure replays.</summary>
    private sealed class SeededJitter(int seed) : IJitterSource
    {
        private readonly Random _random = new(seed);

        public double NextFraction() => _random.NextDouble();
    }
}
