using Discovery.Testing;

namespace Discovery.ClientFactory.Tests;

/// <summary>The package's namespaces form a one-way graph: each uses only those listed before it.</summary>
public sealed class ArchitectureTests
{
    /// <summary>Lowest first; the README's layout section gives the same order.</summary>
    public static readonly string[] Layers =
    [
        "Discovery.ClientFactory.LoadTracking",
        "Discovery.ClientFactory.Ejection",
        "Discovery.ClientFactory.Routing",
        "Discovery.ClientFactory",
        "Discovery.ClientFactory.Picking",
        "Discovery.ClientFactory.Subsetting",
        "Discovery.ClientFactory.Retry",
        "Discovery.ClientFactory.Diagnostics",
        "Discovery.ClientFactory.Tls",
        "Discovery.ClientFactory.Resolving",
        "Discovery.ClientFactory.Configuration",
        "Discovery.ClientFactory.Balancing",
    ];

    [Fact]
    public void Namespaces_UseOnlyTheLayersBelowThem()
    {
        var graph = NamespaceGraph.Of(typeof(EtcdClientOptions).Assembly, "Discovery.ClientFactory");

        Assert.Empty(graph.ViolationsOf(Layers));
        Assert.Empty(graph.Cycles());
    }
}
