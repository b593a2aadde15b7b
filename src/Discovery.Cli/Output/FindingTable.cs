using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Discovery.Cli.Output;

/// <summary>The findings of <c>inspect</c>, with the same fields as <see cref="FindingDocument"/>.</summary>
internal static class FindingTable
{
    public static IRenderable Build(InspectDocument document)
    {
        if (document.Findings.Count == 0)
        {
            return new Markup($"[green]{document.RecordsChecked.ToString(CultureInfo.InvariantCulture)} record(s) checked, nothing flagged.[/]{Environment.NewLine}");
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Caption($"{document.Findings.Count.ToString(CultureInfo.InvariantCulture)} finding(s) in {document.RecordsChecked.ToString(CultureInfo.InvariantCulture)} record(s)")
            .AddColumn("KIND").AddColumn("SERVICE").AddColumn("KEY").AddColumn("MESSAGE");
        foreach (var finding in document.Findings)
        {
            table.AddRow(
                new Markup($"[red]{Markup.Escape(finding.Kind)}[/]"),
                new Text(finding.Service ?? "-"),
                new Text(finding.Key),
                new Text(finding.Message));
        }

        return table;
    }
}
