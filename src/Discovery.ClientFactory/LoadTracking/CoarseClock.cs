namespace Discovery.ClientFactory.LoadTracking;

/// <summary>
/// Whole milliseconds for the stamps a pick needs (last picked, force-pick, one latency sample per tick). The system
/// clock's coarse tick costs a quarter of a precise timestamp (6 ns against 24 ns on the benchmark machine); other
/// providers, such as a test's fake clock, are read precisely and rounded down.
/// </summary>
internal static class CoarseClock
{
    public static long Milliseconds(TimeProvider time) =>
        ReferenceEquals(time, TimeProvider.System)
            ? Environment.TickCount64
            : (long)((Int128)time.GetTimestamp() * 1000 / time.TimestampFrequency);
}
