using Discovery.Testing;

namespace Discovery.Hosting.Tests;

/// <summary>The package's namespaces form a one-way graph: each uses only those listed before it.</summary>
public sealed class ArchitectureTests
{
    /// <summary>Lowest first; the README's layout section gives the same order.</summary>
    public static readonly string[] Layers =
    [
        "Discovery.Hosting.Leasing",
        "Discovery.Hosting.Control",
        "Discovery.Hosting",
        "Discovery.Hosting.Registration",
        "Discovery.Hosting.Configuration",
        "Discovery.Hosting.Diagnostics",
    ];

    [Fact]
    public void Namespaces_UseOnlyTheLayersBelowThem()
    {
        var graph = NamespaceGraph.Of(typeof(EtcdRegistrationOptions).Assembly, "Discovery.Hosting");

        Assert.Empty(graph.ViolationsOf(Layers));
        Assert.Empty(graph.Cycles());
    }
}
