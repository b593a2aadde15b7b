namespace EchoClient;

/// <summary>
/// Call latencies in fixed buckets: 0.1 ms wide up to 100 ms, 1 ms wide up to 10 s, then one overflow bucket.
/// Thread-safe; a percentile is the upper edge of the bucket it falls in.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int FineBuckets = 1000;      // 0.1 ms each: [0, 100 ms)
    private const int CoarseBuckets = 9900;    // 1 ms each: [100 ms, 10 s)
    private readonly long[] _counts = new long[FineBuckets + CoarseBuckets + 1];
    private long _total;

    public void Record(TimeSpan latency)
    {
        var ms = latency.TotalMilliseconds;
        var index = ms < 100 ? (int)(ms * 10)
            : ms < 10_000 ? FineBuckets + (int)(ms - 100)
            : FineBuckets + CoarseBuckets;
        Interlocked.Increment(ref _counts[Math.Max(0, index)]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>The latency in milliseconds under which <paramref name="fraction"/> of calls fell; 0 with no calls.</summary>
    public double Percentile(double fraction)
    {
        var total = Interlocked.Read(ref _total);
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(fraction * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return i < FineBuckets ? (i + 1) / 10.0 : i < FineBuckets + CoarseBuckets ? 100 + (i - FineBuckets + 1) : 10_000;
            }
        }

        return 10_000;
    }
}
