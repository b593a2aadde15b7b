using System.Globalization;
using Spectre.Console;

namespace Discovery.Cli.Output;

/// <summary>The table of every service, with the same fields as <see cref="ServiceDocument"/>.</summary>
internal static class ServiceTable
{
    public static Table Build(ServiceListDocument document)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("SERVICE")
            .AddColumn(new TableColumn("INSTANCES").RightAligned())
            .AddColumn(new TableColumn("SERVING").RightAligned());
        foreach (var service in document.Services)
        {
            table.AddRow(
                Markup.Escape(service.Service),
                service.InstanceCount.ToString(CultureInfo.InvariantCulture),
                service.ServingCount.ToString(CultureInfo.InvariantCulture));
        }

        if (document.Services.Count == 0)
        {
            table.Caption("no service registered");
        }

        return table;
    }
}
