using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Discovery.Packaging.Tests;

/// <summary>
/// The NuGet set-up of a consumer folder outside the repository: Discovery.* packages come from the packed folder
/// only (package source mapping), everything else from the package sources this machine is configured with, as for
/// any project on it. Restores go to a package folder of the consumer's own, so nothing is left in the machine's
/// NuGet cache; the machine's cache is read as a fallback folder, so packages it holds are not downloaded again.
/// </summary>
internal static partial class ConsumerFeed
{
    private const string LocalSource = "discovery-packages";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    /// <summary>Writes <c>nuget.config</c> into <paramref name="folder"/>; returns the environment its dotnet commands need.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> WriteAsync(string folder, string packageFolder)
    {
        // Asked before our nuget.config exists: the machine's own configuration.
        var sourcesTask = DotnetCli.RunAsync(folder, ["nuget", "list", "source", "--format", "detailed"], Timeout);
        var cacheTask = DotnetCli.RunAsync(folder, ["nuget", "locals", "global-packages", "--list"], Timeout);
        var sources = EnabledSource().Matches(await sourcesTask.ConfigureAwait(false))
            .Select(m => (Name: m.Groups["name"].Value, Url: m.Groups["url"].Value))
            .Where(s => s.Name != LocalSource)
            .ToList();
        if (sources.Count == 0)
        {
            throw new InvalidOperationException($"This machine has no enabled NuGet source:{Environment.NewLine}{await sourcesTask.ConfigureAwait(false)}");
        }

        var machineCache = (await cacheTask.ConfigureAwait(false)).Trim();
        machineCache = machineCache[(machineCache.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();

        // The machine sources keep their names, so credentials configured for them still apply.
        var config = new XElement(
            "configuration",
            new XElement(
                "packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", LocalSource), new XAttribute("value", packageFolder)),
                sources.Select(s => new XElement("add", new XAttribute("key", s.Name), new XAttribute("value", s.Url)))),
            new XElement(
                "packageSourceMapping",
                new XElement("clear"),
                new XElement("packageSource", new XAttribute("key", LocalSource), Pattern("Discovery.*")),
                sources.Select(s => new XElement("packageSource", new XAttribute("key", s.Name), Pattern("*")))),
            new XElement(
                "fallbackPackageFolders",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", machineCache))));
        await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), new XDocument(config).ToString()).ConfigureAwait(false);

        return new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(folder, ".nuget", "packages"),
        };
    }

    private static XElement Pattern(string pattern) => new("package", new XAttribute("pattern", pattern));

    //   1.  nuget.org [Enabled]
    //       https://api.nuget.org/v3/index.json
    [GeneratedRegex(@"^\s*\d+\.\s+(?<name>.+?)\s+\[Enabled\]\s*\r?\n\s*(?<url>\S+)", RegexOptions.Multiline)]
    private static partial Regex EnabledSource();
}
