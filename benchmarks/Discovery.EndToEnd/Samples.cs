using System.Diagnostics;
using System.Globalization;

namespace Discovery.EndToEnd;

/// <summary>Order statistics of a set of samples: median, percentiles, and the spread (min to max) across rounds.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public Samples()
    {
    }

    public Samples(IEnumerable<double> values) => _values.AddRange(values);

    public int Count => _values.Count;

    public void Add(double value) => _values.Add(value);

    public double Median => Percentile(50);

    public double Min => _values.Count == 0 ? double.NaN : _values.Min();

    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    /// <summary>The nearest-rank percentile (with 30 samples, p99 is the largest).</summary>
    public double Percentile(double p)
    {
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>"median (min–max)" with <paramref name="format"/>.</summary>
    public string Spread(string format) =>
        $"{Median.ToString(format, CultureInfo.InvariantCulture)} ({Min.ToString(format, CultureInfo.InvariantCulture)}-{Max.ToString(format, CultureInfo.InvariantCulture)})";

    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
