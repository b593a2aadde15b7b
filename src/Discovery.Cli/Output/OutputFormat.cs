using System.CommandLine;

namespace Discovery.Cli.Output;

/// <summary>How a command prints: tables for a person, JSON (the same fields) for a script.</summary>
internal enum OutputFormat
{
    Table,
    Json,
}

/// <summary>The <c>--output</c> option: <c>table</c> on a terminal, <c>json</c> when standard output is redirected.</summary>
internal static class OutputOption
{
    public static Option<string?> Create()
    {
        var option = new Option<string?>("--output", "-o")
        {
            Description = "table or json. Default: table on a terminal, json when standard output is redirected (a pipe, a file).",
            Recursive = true,
            HelpName = "format",
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    public static OutputFormat Resolve(string? value) => value switch
    {
        "json" => OutputFormat.Json,
        "table" => OutputFormat.Table,
        _ => Console.IsOutputRedirected ? OutputFormat.Json : OutputFormat.Table,
    };
}
