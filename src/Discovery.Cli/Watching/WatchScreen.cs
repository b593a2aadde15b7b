using System.Globalization;
using Discovery.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Discovery.Cli.Watching;

/// <summary>What <c>watch</c> draws: a header (fresh, or stale with its age and why) above the instance table.</summary>
internal static class WatchScreen
{
    public static IRenderable Build(
        InstanceListDocument document, Func<InstanceDocument, InstanceTable.Mark> markOf, DateTimeOffset now)
    {
        var serving = document.Instances.Count(i => i.State == "serving" && markOf(i) != InstanceTable.Mark.Left);
        var header = document.Stale == true
            ? new Markup(
                $"[bold]{Markup.Escape(document.Service)}[/]  [black on yellow] STALE [/] etcd unreachable " +
                $"({Markup.Escape(document.Problem ?? "no answer")}); last confirmed " +
                $"{(document.AgeSeconds ?? 0).ToString("0", CultureInfo.InvariantCulture)} s ago, showing the last view")
            : new Markup(
                $"[bold]{Markup.Escape(document.Service)}[/]  [green]live[/]  {serving.ToString(CultureInfo.InvariantCulture)} serving  " +
                $"[grey]{now.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  Ctrl+C to quit[/]");
        return new Rows(header, InstanceTable.Build(document, markOf));
    }
}
