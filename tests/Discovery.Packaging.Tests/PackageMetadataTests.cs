using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Discovery.Packaging.Tests;

/// <summary>What each .nupkg tells NuGet and nuget.org: README, licence, repository, symbols, dependencies.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class PackageMetadataTests(PackedPackages packages, ITestOutputHelper output)
{
    private const string OwnVersion = "(this run's version)";

    /// <summary>
    /// What each package depends on: the packages its code uses, at the lowest version it needs, never the newer
    /// versions the tests run on. Microsoft.Extensions.* 10.0.0 (the first .NET 10 release); gRPC 2.80.0 and
    /// Google.Protobuf 3.35.1, the floors dotnet-etcd 9.1.0 sets; Polly.Core 8.4.2, the first served release whose
    /// <c>ResiliencePipelineBuilder.TimeProvider</c> is public. Hosting runs inside ASP.NET Core, whose shared
    /// framework brings every Microsoft.Extensions package it uses; it compiles the lease keeper (Polly) and the etcd
    /// connection (dotnet-etcd's protocol, gRPC, Protobuf) itself, so it names them, and Grpc.AspNetCore.HealthChecks,
    /// whose gRPC health service it turns NOT_SERVING at stop. Discovery.Etcd calls no Polly. Discovery.Cli is a
    /// <c>dotnet tool</c>: it carries every assembly it runs inside the package and declares no dependency.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ExpectedDependencies =
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["Discovery.Etcd"] = new Dictionary<string, string>
            {
                ["dotnet-etcd"] = "9.1.0",
                ["Google.Protobuf"] = "3.35.1",
                ["Grpc.Net.Client"] = "2.80.0",
                ["Microsoft.Extensions.Diagnostics"] = "10.0.0",
                ["Microsoft.Extensions.Logging"] = "10.0.0",
                ["Microsoft.Extensions.Options.ConfigurationExtensions"] = "10.0.0",
            },
            ["Discovery.Hosting"] = new Dictionary<string, string>
            {
                ["Discovery.Etcd"] = OwnVersion,
                ["dotnet-etcd"] = "9.1.0",
                ["Google.Protobuf"] = "3.35.1",
                ["Grpc.AspNetCore.HealthChecks"] = "2.80.0",
                ["Grpc.Net.Client"] = "2.80.0",
                ["Polly.Core"] = "8.4.2",
            },
            ["Discovery.Cli"] = new Dictionary<string, string>(),
            ["Discovery.ClientFactory"] = new Dictionary<string, string>
            {
                ["Discovery.Etcd"] = OwnVersion,
                ["Grpc.Net.Client"] = "2.80.0",
                ["Grpc.Net.ClientFactory"] = "2.80.0",
                ["Microsoft.Extensions.Diagnostics.HealthChecks"] = "10.0.0",
            },
        };

    public static TheoryData<string> Ids => [.. ExpectedDependencies.Keys];

    [Fact]
    public void Pack_ShippingProjects_GiveOnePackageAndOneSymbolsPackageEach()
    {
        output.WriteLine($"pack of {packages.ShippingProjects.Count} projects took {packages.PackTime.TotalSeconds:0.0} s");

        Assert.Equal(ExpectedDependencies.Keys.Order(StringComparer.Ordinal), packages.ShippingProjects.Order(StringComparer.Ordinal));
        Assert.Equal(
            packages.ShippingProjects.SelectMany(p => new[] { $"{p}.{packages[p].Version}.nupkg", $"{p}.{packages[p].Version}.snupkg" })
                .Order(StringComparer.Ordinal),
            Directory.GetFiles(packages.PackageFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Single(packages.All.Select(p => p.Version).Distinct());
        Assert.All(packages.All, p => Assert.EndsWith("-" + packages.VersionSuffix, p.Version, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_Contents_AreTheAssemblyItsDocsAndItsOwnReadme(string id)
    {
        var package = packages[id];

        Assert.Equal(id == "Discovery.Cli", package.IsTool);
        Assert.Contains($"{package.AssemblyFolder}/{id}.dll", package.Entries);
        Assert.Contains($"{package.AssemblyFolder}/{id}.xml", package.Entries);
        Assert.Equal("README.md", package.Element("readme"));
        var readme = Encoding.UTF8.GetString(package.Read("README.md"));
        Assert.StartsWith($"# {id}\n", readme, StringComparison.Ordinal);
        Assert.Contains(package.IsTool ? "dotnet tool install" : "dotnet add package", readme, StringComparison.Ordinal);
        Assert.Contains($"{package.AssemblyFolder}/{id}.pdb", package.SymbolsEntries());
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_Metadata_NamesLicenceDescriptionTagsAndRepository(string id)
    {
        var package = packages[id];
        var license = package.Metadata.Element(package.Metadata.Name.Namespace + "license");
        var repository = package.Metadata.Element(package.Metadata.Name.Namespace + "repository");

        Assert.Equal("expression", (string?)license?.Attribute("type"));
        Assert.Equal("MIT", license?.Value);
        Assert.False(string.IsNullOrWhiteSpace(package.Element("description")));
        Assert.False(string.IsNullOrWhiteSpace(package.Element("authors")));
        Assert.Contains("etcd", package.Element("tags")!.Split(' '));
        Assert.Contains("grpc", package.Element("tags")!.Split(' '));
        Assert.NotNull(repository);
        Assert.Equal("git", (string?)repository.Attribute("type"));
        // The commit and URL come from the clone the package was built in: a clone whose origin is a local path
        // (or that has none) gives the commit alone. An origin holding credentials is not compared, so a failure
        // message never prints them.
        if (!Git(packages.RepositoryRoot, out var head, "rev-parse", "HEAD"))
        {
            output.WriteLine("git is not installed: the repository's commit is not compared");
            return;
        }

        Assert.Equal(head, (string?)repository.Attribute("commit"));
        Git(packages.RepositoryRoot, out var origin, "remote", "get-url", "origin");
        if (origin is not null && origin.StartsWith("https://", StringComparison.Ordinal) && !origin.Contains('@', StringComparison.Ordinal))
        {
            Assert.Equal(origin, (string?)repository.Attribute("url"));
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_Dependencies_AreWhatItUsesAtTheLowestVersionItNeeds(string id)
    {
        var package = packages[id];
        var expected = ExpectedDependencies[id].ToDictionary(
            d => d.Key,
            d => d.Value == OwnVersion ? package.Version : d.Value,
            StringComparer.Ordinal);

        output.WriteLine($"{id}: {string.Join(", ", package.Dependencies.Select(d => $"{d.Key} {d.Value}"))}"
            + (package.FrameworkReferences.Count > 0 ? $"; framework {string.Join(", ", package.FrameworkReferences)}" : string.Empty));
        Assert.Equal(expected.OrderBy(d => d.Key, StringComparer.Ordinal), package.Dependencies.OrderBy(d => d.Key, StringComparer.Ordinal));
        Assert.Equal(id == "Discovery.Hosting" ? ["Microsoft.AspNetCore.App"] : [], package.FrameworkReferences);
    }

    /// <summary>
    /// Runs a git command: false when git is not installed; <paramref name="value"/> is its output line, or null
    /// where the repository or the value is missing (an archive, a clone without origin).
    /// </summary>
    private static bool Git(string repository, out string? value, params string[] arguments)
    {
        value = null;
        var startInfo = new ProcessStartInfo("git")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repository,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(startInfo)!;
            var stdout = process.StandardOutput.ReadToEnd();
            _ = process.StandardError.ReadToEnd();
            process.WaitForExit();
            value = process.ExitCode == 0 && stdout.Trim() is { Length: > 0 } line ? line : null;
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
