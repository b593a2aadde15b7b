using Discovery.ClientFactory.Ejection;
using Discovery.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Ejection;

public sealed class EjectionEndTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Timer_FiresOnTime_CallsBackOnce()
    {
        var health = new EndpointHealth(_clock, ScriptedJitter.None);
        var ended = 0;
        using var end = new EjectionEnd(_clock, health, health.ReportTransportFailure()!.Value, () => ended++);

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        var before = ended;
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal((0, 1), (before, ended));
    }

    [Fact]
    public void Timer_FiresBeforeTheEjectionIsOver_WaitsOutTheRestThenCallsBack()
    {
        // Real timers run on a coarse clock and fire a few milliseconds early; the ejection is still on then.
        var early = new EarlyTimers(_clock, TimeSpan.FromMilliseconds(3));
        var health = new EndpointHealth(_clock, ScriptedJitter.None);
        var ended = new List<bool>();
        using var end = new EjectionEnd(early, health, health.ReportTransportFailure()!.Value, () => ended.Add(health.IsEjected));

        _clock.Advance(TimeSpan.FromMilliseconds(998));
        var whileEjected = ended.Count;
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, whileEjected);
        Assert.Equal([false], ended);
    }

    [Fact]
    public void Dispose_BeforeTheEnd_NeverCallsBack()
    {
        var health = new EndpointHealth(_clock, ScriptedJitter.None);
        var ended = 0;
        var end = new EjectionEnd(_clock, health, health.ReportTransportFailure()!.Value, () => ended++);

        end.Dispose();
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, ended);
    }

    [Fact]
    public void RemainingEjection_NeverEjected_IsZero() =>
        Assert.Equal(TimeSpan.Zero, new EndpointHealth(_clock, ScriptedJitter.None).RemainingEjection);

    /// <summary>A clock whose timers fire <paramref name="earlyBy"/> before they are due.</summary>
    private sealed class EarlyTimers(FakeTimeProvider clock, TimeSpan earlyBy) : TimeProvider
    {
        public override long TimestampFrequency => clock.TimestampFrequency;

        public override long GetTimestamp() => clock.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new EarlyTimer(clock.CreateTimer(callback, state, Early(dueTime), period), earlyBy);

        private TimeSpan Early(TimeSpan due) => Shorten(due, earlyBy);

        private static TimeSpan Shorten(TimeSpan due, TimeSpan by) => due > by ? due - by : due;

        private sealed class EarlyTimer(ITimer inner, TimeSpan earlyBy) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(Shorten(dueTime, earlyBy), period);

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
