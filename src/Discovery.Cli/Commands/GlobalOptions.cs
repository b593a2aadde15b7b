using System.CommandLine;
using Discovery.Cli.Connection;
using Discovery.Cli.Output;

namespace Discovery.Cli.Commands;

/// <summary>The options every command takes: how to reach etcd, and how to print.</summary>
internal sealed class GlobalOptions
{
    public ConnectionOptions Connection { get; } = new();

    public Option<string?> Output { get; } = OutputOption.Create();

    public IEnumerable<Option> All => [.. Connection.All, Output];
}
