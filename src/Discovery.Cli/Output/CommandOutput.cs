using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Discovery.Cli.Output;

/// <summary>Where a command prints its result: a table on the console, or one JSON document on standard output.</summary>
internal sealed class CommandOutput(OutputFormat format, IAnsiConsole console)
{
    // Relaxed escaping: the output is read by scripts and people, never embedded in HTML, so '&' and '"' stay readable.
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions s_jsonLine = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public OutputFormat Format => format;

    public IAnsiConsole Console => console;

    public bool IsJson => format == OutputFormat.Json;

    /// <summary>Prints <paramref name="document"/> as JSON, or <paramref name="table"/> for a person.</summary>
    public void Write<T>(T document, Func<T, IRenderable> table)
    {
        if (IsJson)
        {
            System.Console.Out.WriteLine(JsonSerializer.Serialize(document, s_json));
        }
        else
        {
            console.Write(table(document));
        }
    }

    /// <summary>Prints one JSON document on one line (a stream of them, as <c>watch</c> does).</summary>
    public static void WriteJsonLine<T>(T document)
    {
        System.Console.Out.WriteLine(JsonSerializer.Serialize(document, s_jsonLine));
        System.Console.Out.Flush();
    }

    /// <summary>A message for a person, on standard error so it never mixes with JSON.</summary>
    public static void Note(string message) => System.Console.Error.WriteLine(message);
}
