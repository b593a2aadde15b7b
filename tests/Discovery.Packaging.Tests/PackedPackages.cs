using System.Diagnostics;
using System.Globalization;
using System.Security;

namespace Discovery.Packaging.Tests;

/// <summary>
/// The shipping projects (every <c>src/*/*.csproj</c>) packed once for the whole test run, with a version of their
/// own (<c>1.0.0-consumer.{time}</c>) so no NuGet cache can hold an older build under it, into a temp folder. The
/// build goes to that folder too (<c>--artifacts-path</c>): nothing is read from or written to the repository's
/// obj and bin folders.
/// </summary>
public sealed class PackedPackages : IAsyncLifetime
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(6);
    private readonly Dictionary<string, PackedPackage> _packages = new(StringComparer.Ordinal);

    /// <summary>The repository root (the folder holding Discovery.sln).</summary>
    public string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The temp folder everything of this run lives in; deleted at the end.</summary>
    public string WorkFolder { get; } = Path.Combine(
        Path.GetTempPath(),
        $"discovery-packaging-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>The folder the packages were packed into: the consumers' only source of Discovery.* packages.</summary>
    public string PackageFolder => Path.Combine(WorkFolder, "packages");

    /// <summary>The pre-release suffix given to this run's packages.</summary>
    public string VersionSuffix { get; } = "consumer." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>The shipping projects' names, from src/.</summary>
    public IReadOnlyList<string> ShippingProjects { get; private set; } = [];

    /// <summary>Every packed package.</summary>
    public IReadOnlyCollection<PackedPackage> All => _packages.Values;

    /// <summary>How long the pack took.</summary>
    public TimeSpan PackTime { get; private set; }

    /// <summary>The packed package of that id.</summary>
    public PackedPackage this[string id] =>
        _packages.TryGetValue(id, out var package)
            ? package
            : throw new InvalidOperationException($"No package {id} was packed; packed: {string.Join(", ", _packages.Keys)}.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkFolder);
        var projects = Directory.GetFiles(Path.Combine(RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToList();
        ShippingProjects = [.. projects.Select(Path.GetFileNameWithoutExtension).Cast<string>()];

        // A solution of the shipping projects alone: one pack command, one restore, each project built once.
        var solution = Path.Combine(WorkFolder, "Shipping.slnx");
        await File.WriteAllLinesAsync(
            solution,
            ["<Solution>", .. projects.Select(p => $"  <Project Path=\"{SecurityElement.Escape(p)}\" />"), "</Solution>"]).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        await DotnetCli.RunAsync(
            WorkFolder,
            [
                "pack", solution, "-c", "Release", "-warnaserror", "-nologo", "-v:q",
                "-o", PackageFolder,
                "--artifacts-path", Path.Combine(WorkFolder, "build"),
                $"-p:VersionSuffix={VersionSuffix}",
            ],
            PackTimeout).ConfigureAwait(false);
        PackTime = clock.Elapsed;

        foreach (var nupkg in Directory.GetFiles(PackageFolder, "*.nupkg"))
        {
            var package = PackedPackage.Open(nupkg);
            _packages.Add(package.Id, package);
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(WorkFolder, recursive: true);
        }
        catch (IOException)
        {
            // A process that outlived its test may still hold a file; the temp folder is cleaned by the system.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }

        return Task.CompletedTask;
    }

    private static string FindRepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Discovery.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException($"No Discovery.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The tests that share one pack of the shipping projects.</summary>
[CollectionDefinition(Name)]
public sealed class PackedPackagesCollection : ICollectionFixture<PackedPackages>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Packed packages";
}
