using System.Globalization;

namespace DemoChart;

/// <summary>One bucket of the EchoClient's timeline: successful calls to one instance in one wall-clock second.</summary>
internal readonly record struct CallBucket(long UnixSeconds, string Instance, long Calls);

/// <summary>Reads the EchoClient's <c>--timeline</c> CSV (<c>unixSeconds,instance,calls</c>, a header line first).</summary>
internal static class TimelineFile
{
    public static async Task<IReadOnlyList<CallBucket>> ReadAsync(string path)
    {
        var buckets = new List<CallBucket>();
        foreach (var line in (await File.ReadAllLinesAsync(path)).Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length != 3)
            {
                throw new FormatException($"{path}: expected unixSeconds,instance,calls, found '{line}'");
            }

            buckets.Add(new CallBucket(
                long.Parse(fields[0], CultureInfo.InvariantCulture), fields[1], long.Parse(fields[2], CultureInfo.InvariantCulture)));
        }

        return buckets;
    }
}
