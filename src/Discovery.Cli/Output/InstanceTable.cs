using System.Globalization;
using Spectre.Console;

namespace Discovery.Cli.Output;

/// <summary>The table of a service's instances, with the same fields as <see cref="InstanceDocument"/>.</summary>
internal static class InstanceTable
{
    /// <summary>How a row is shown: as it is, or highlighted because it changed, joined or left.</summary>
    public enum Mark
    {
        None,
        Joined,
        Changed,
        Left,
    }

    public static Table Build(InstanceListDocument document, Func<InstanceDocument, Mark>? markOf = null, string? title = null)
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (title is not null)
        {
            table.Title(title);
        }

        foreach (var header in new[] { "ID", "ADDRESS", "VERSION", "ZONE", "WEIGHT", "STATE", "LEASE", "TTL", "IN FLIGHT", "METADATA" })
        {
            table.AddColumn(new TableColumn(header));
        }

        foreach (var instance in document.Instances)
        {
            var mark = markOf?.Invoke(instance) ?? Mark.None;
            var style = mark switch
            {
                Mark.Joined => "green",
                Mark.Changed => "yellow",
                Mark.Left => "red strikethrough",
                _ => StateStyle(instance.State),
            };
            table.AddRow(
                Cell(instance.Id, style),
                Cell(instance.Address, style),
                Cell(instance.Version, style),
                Cell(instance.Zone, style),
                Cell(instance.Weight.ToString(CultureInfo.InvariantCulture), style),
                Cell(instance.State, style),
                Cell(instance.LeaseId ?? "none", style),
                Cell(instance.LeaseTtlSeconds is { } ttl ? ttl.ToString(CultureInfo.InvariantCulture) + "s" : null, style),
                Cell(instance.InFlight?.ToString(CultureInfo.InvariantCulture), style),
                Cell(string.Join('&', instance.Metadata.Select(p => p.Key + "=" + p.Value)), style));
        }

        if (document.Instances.Count == 0)
        {
            table.Caption($"no instance of {Markup.Escape(document.Service)}");
        }

        return table;
    }

    private static string StateStyle(string state) => state switch
    {
        "serving" => "default",
        _ => "grey",
    };

    private static Markup Cell(string? text, string style) =>
        new($"[{style}]{Markup.Escape(string.IsNullOrEmpty(text) ? "-" : text)}[/]");
}
