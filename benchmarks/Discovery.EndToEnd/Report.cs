using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Discovery.EndToEnd;

/// <summary>
/// What the bench prints: one table per section, the targets with the measured value and met / missed, and
/// last a <c>summary {json}</c> line holding every figure.
/// </summary>
internal sealed class Report
{
    private readonly List<(string Figure, string Target, string Measured, bool? Met)> _targets = [];

    public JsonObject Summary { get; } = [];

    public static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"## {title}");
    }

    public static void Note(string text) => Console.WriteLine($"   {text}");

    /// <summary>Prints rows as a plain text table, columns padded to their widest cell.</summary>
    public static void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Count).Select(c => all.Max(r => c < r.Count ? r[c].Length : 0)).ToArray();
        foreach (var (row, index) in all.Select((r, i) => (r, i)))
        {
            Console.WriteLine("| " + string.Join(" | ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))) + " |");
            if (index == 0)
            {
                Console.WriteLine("|" + string.Join("|", widths.Select((w, c) => c == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
            }
        }
    }

    public void Target(string figure, string target, string measured, bool? met) => _targets.Add((figure, target, measured, met));

    public void Set(string path, double value)
    {
        var node = Summary;
        var parts = path.Split('.');
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[parts[^1]] = double.IsFinite(value) ? Math.Round(value, 4) : null;
    }

    public void PrintTargets()
    {
        Section("Targets");
        Table(
            ["figure", "target", "measured", "result"],
            _targets.Select(t => (IReadOnlyList<string>)[t.Figure, t.Target, t.Measured, t.Met switch { true => "met", false => "MISSED", null => "not measured here" }]));
        var targets = new JsonArray();
        foreach (var t in _targets)
        {
            targets.Add(new JsonObject { ["figure"] = t.Figure, ["target"] = t.Target, ["measured"] = t.Measured, ["met"] = t.Met });
        }

        Summary["targets"] = targets;
    }

    public void PrintSummary() => Console.WriteLine("summary " + Summary.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
}
