namespace Discovery.Packaging.Tests;

/// <summary>
/// Each package versions on its own: no shipped assembly sees another one's internals, so a user mixing package
/// versions never meets a <c>MissingMethodException</c> from an internal member that changed. Test assemblies may
/// be granted.
/// </summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class InternalsVisibleToTests(PackedPackages packages)
{
    [Fact]
    public void ShippedAssemblies_InternalsVisibleTo_GrantNoOtherShippedAssembly()
    {
        var assemblies = packages.All.Select(ShippedAssembly.Of).ToList();
        var shipped = assemblies.Select(a => a.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var grants = assemblies
            .SelectMany(a => a.InternalsVisibleTo.Where(shipped.Contains).Select(to => $"{a.Name} -> {to}"))
            .Order(StringComparer.Ordinal);

        Assert.Empty(grants);
    }
}
