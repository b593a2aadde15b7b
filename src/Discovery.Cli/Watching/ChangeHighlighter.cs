using Discovery.Cli.Output;

namespace Discovery.Cli.Watching;

/// <summary>
/// Remembers what <c>watch</c> showed, so a row that joined or changed is highlighted for a while, and a row that
/// left stays on screen, struck through, for the same while.
/// </summary>
internal sealed class ChangeHighlighter(TimeSpan highlightFor)
{
    private readonly Dictionary<string, InstanceDocument> _shown = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (InstanceTable.Mark Mark, DateTimeOffset Since, InstanceDocument Row)> _marks = new(StringComparer.Ordinal);
    private bool _first = true;

    /// <summary>Takes the rows read now; returns the rows to show (those that left recently included) and each one's mark.</summary>
    public (IReadOnlyList<InstanceDocument> Rows, Func<InstanceDocument, InstanceTable.Mark> MarkOf) Update(
        IReadOnlyList<InstanceDocument> rows, DateTimeOffset now)
    {
        var current = rows.ToDictionary(KeyOf, StringComparer.Ordinal);
        foreach (var (key, row) in current)
        {
            if (!_shown.TryGetValue(key, out var before))
            {
                if (!_first)
                {
                    _marks[key] = (InstanceTable.Mark.Joined, now, row);
                }
            }
            else if (!SameIgnoringTtl(before, row))
            {
                _marks[key] = (InstanceTable.Mark.Changed, now, row);
            }
        }

        foreach (var (key, before) in _shown)
        {
            if (!current.ContainsKey(key))
            {
                _marks[key] = (InstanceTable.Mark.Left, now, before);
            }
        }

        foreach (var key in _marks.Where(m => now - m.Value.Since > highlightFor || (m.Value.Mark == InstanceTable.Mark.Left && current.ContainsKey(m.Key))).Select(m => m.Key).ToList())
        {
            _marks.Remove(key);
        }

        _shown.Clear();
        foreach (var (key, row) in current)
        {
            _shown[key] = row;
        }

        _first = false;
        var shown = rows.Concat(_marks.Where(m => m.Value.Mark == InstanceTable.Mark.Left).Select(m => m.Value.Row))
            .OrderBy(r => r.Id, StringComparer.Ordinal).ThenBy(r => r.Address, StringComparer.Ordinal).ToList();
        var marks = _marks.ToDictionary(m => m.Key, m => m.Value.Mark, StringComparer.Ordinal);
        return (shown, row => marks.TryGetValue(KeyOf(row), out var mark) ? mark : InstanceTable.Mark.None);
    }

    /// <summary>A row without the field that changes every second by itself (the lease's remaining TTL).</summary>
    public static bool SameIgnoringTtl(InstanceDocument a, InstanceDocument b) =>
        a.Id == b.Id && a.Address == b.Address && a.Version == b.Version && a.Zone == b.Zone && a.Weight == b.Weight
        && a.State == b.State && a.LeaseId == b.LeaseId && a.InFlight == b.InFlight
        && a.Metadata.Count == b.Metadata.Count
        && a.Metadata.All(p => b.Metadata.TryGetValue(p.Key, out var v) && v == p.Value);

    // An instance id is one row per address; a paused instance (no address) keeps its id's row.
    private static string KeyOf(InstanceDocument row) => row.Id;
}
