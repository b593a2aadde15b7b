using System.Text.Json;

namespace Discovery.Cli.Tests.Infrastructure;

/// <summary>What one run of the tool printed, and its exit code.</summary>
internal sealed record CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output parsed as one JSON document.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(StandardOutput);
        return document.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
}
