using Discovery.Cli.Commands;
using Discovery.Testing;

namespace Discovery.Cli.Tests;

/// <summary>The tool's namespaces form a one-way graph: each uses only those listed before it.</summary>
public sealed class ArchitectureTests
{
    /// <summary>Lowest first; the README's layout section gives the same order.</summary>
    public static readonly string[] Layers =
    [
        "Discovery.Cli",
        "Discovery.Cli.Connection",
        "Discovery.Cli.Registry",
        "Discovery.Cli.Inspection",
        "Discovery.Cli.Operating",
        "Discovery.Cli.Output",
        "Discovery.Cli.Watching",
        "Discovery.Cli.Commands",
    ];

    [Fact]
    public void Namespaces_UseOnlyTheLayersBelowThem()
    {
        var graph = NamespaceGraph.Of(typeof(DiscoveryCommandLine).Assembly, "Discovery.Cli");

        Assert.Empty(graph.ViolationsOf(Layers));
        Assert.Empty(graph.Cycles());
    }
}
