using System.Globalization;

namespace DemoChart;

/// <summary>Something the demo did, at a wall-clock time in seconds (fractions allowed).</summary>
internal readonly record struct DemoEvent(double UnixSeconds, string Label);

/// <summary>Reads the demo's events CSV: <c>unixSeconds,label</c> lines, no header.</summary>
internal static class EventsFile
{
    public static async Task<IReadOnlyList<DemoEvent>> ReadAsync(string path)
    {
        var events = new List<DemoEvent>();
        foreach (var line in await File.ReadAllLinesAsync(path))
        {
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma <= 0)
            {
                throw new FormatException($"{path}: expected unixSeconds,label, found '{line}'");
            }

            events.Add(new DemoEvent(double.Parse(line[..comma], CultureInfo.InvariantCulture), line[(comma + 1)..]));
        }

        return events;
    }
}
