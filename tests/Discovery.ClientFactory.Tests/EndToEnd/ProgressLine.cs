using System.Globalization;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>One <c>progress t=3s calls=120 failed=0 byInstance=s1:40,s2:80</c> line of the EchoClient.</summary>
internal sealed record ProgressLine(long Calls, long Failed, IReadOnlyDictionary<string, long> ByInstance)
{
    public long CallsTo(string instance) => ByInstance.GetValueOrDefault(instance);

    public long Successes => ByInstance.Values.Sum();

    public static ProgressLine? Last(IReadOnlyList<string> stdout)
    {
        var line = stdout.LastOrDefault(l => l.StartsWith("progress ", StringComparison.Ordinal));
        return line is null ? null : Parse(line);
    }

    public static ProgressLine Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(f => f.Split('=', 2))
            .ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : string.Empty);
        var byInstance = fields["byInstance"].Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(':'))
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        return new ProgressLine(
            long.Parse(fields["calls"], CultureInfo.InvariantCulture),
            long.Parse(fields["failed"], CultureInfo.InvariantCulture),
            byInstance);
    }
}
