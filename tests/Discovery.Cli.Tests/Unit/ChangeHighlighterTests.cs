using Discovery.Cli.Output;
using Discovery.Cli.Watching;

namespace Discovery.Cli.Tests.Unit;

public sealed class ChangeHighlighterTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_highlight = TimeSpan.FromSeconds(3);

    [Fact]
    public void Update_FirstView_MarksNothing()
    {
        var highlighter = new ChangeHighlighter(s_highlight);

        var (rows, markOf) = highlighter.Update([Row("s1")], s_start);

        Assert.Equal(InstanceTable.Mark.None, markOf(Assert.Single(rows)));
    }

    [Fact]
    public void Update_RowJoinsThenTimePasses_JoinedUntilTheHighlightEnds()
    {
        var highlighter = new ChangeHighlighter(s_highlight);
        highlighter.Update([Row("s1")], s_start);

        var (rows, markOf) = highlighter.Update([Row("s1"), Row("s2")], s_start.AddSeconds(1));
        Assert.Equal(InstanceTable.Mark.Joined, markOf(rows.Single(r => r.Id == "s2")));
        Assert.Equal(InstanceTable.Mark.None, markOf(rows.Single(r => r.Id == "s1")));

        (rows, markOf) = highlighter.Update([Row("s1"), Row("s2")], s_start.AddSeconds(5));
        Assert.Equal(InstanceTable.Mark.None, markOf(rows.Single(r => r.Id == "s2")));
    }

    [Fact]
    public void Update_StateOrWeightChanges_Changed_ButATtlTickIsNoChange()
    {
        var highlighter = new ChangeHighlighter(s_highlight);
        highlighter.Update([Row("s1"), Row("s2")], s_start);

        var (rows, markOf) = highlighter.Update(
            [Row("s1") with { LeaseTtlSeconds = 7 }, Row("s2") with { State = "paused" }], s_start.AddSeconds(1));

        Assert.Equal(InstanceTable.Mark.None, markOf(rows.Single(r => r.Id == "s1")));
        Assert.Equal(InstanceTable.Mark.Changed, markOf(rows.Single(r => r.Id == "s2")));
    }

    [Fact]
    public void Update_RowLeaves_StaysStruckThroughUntilTheHighlightEnds()
    {
        var highlighter = new ChangeHighlighter(s_highlight);
        highlighter.Update([Row("s1"), Row("s2")], s_start);

        var (rows, markOf) = highlighter.Update([Row("s1")], s_start.AddSeconds(1));
        Assert.Equal(InstanceTable.Mark.Left, markOf(rows.Single(r => r.Id == "s2")));

        (rows, _) = highlighter.Update([Row("s1")], s_start.AddSeconds(5));
        Assert.DoesNotContain(rows, r => r.Id == "s2");
    }

    private static InstanceDocument Row(string id) =>
        new(id, "127.0.0.1:5001", "v1", null, 100, "serving", "1f", 9, 0, new Dictionary<string, string>());
}
