using Discovery.Etcd.Connection;
using Discovery.Testing;

namespace Discovery.Etcd.Tests;

/// <summary>The package's namespaces form a one-way graph: each uses only those listed before it.</summary>
public sealed class ArchitectureTests
{
    /// <summary>Lowest first; the README's layout section gives the same order.</summary>
    public static readonly string[] Layers =
    [
        "Discovery.Etcd",
        "Discovery.Etcd.Retry",
        "Discovery.Etcd.Diagnostics",
        "Discovery.Etcd.Records",
        "Discovery.Etcd.Connection",
        "Discovery.Etcd.Watching",
    ];

    [Fact]
    public void Namespaces_UseOnlyTheLayersBelowThem()
    {
        var graph = NamespaceGraph.Of(typeof(EtcdConnection).Assembly, "Discovery.Etcd");

        Assert.Empty(graph.ViolationsOf(Layers));
        Assert.Empty(graph.Cycles());
    }
}
