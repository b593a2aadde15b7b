using System.IO.Compression;
using System.Xml.Linq;

namespace Discovery.Packaging.Tests;

/// <summary>One packed <c>.nupkg</c> (and its <c>.snupkg</c> beside it), read the way NuGet reads it.</summary>
public sealed class PackedPackage
{
    private PackedPackage(string id, string version, string path, XElement metadata, IReadOnlyList<string> entries)
    {
        Id = id;
        Version = version;
        Path = path;
        Metadata = metadata;
        Entries = entries;
    }

    /// <summary>The package id.</summary>
    public string Id { get; }

    /// <summary>The package version.</summary>
    public string Version { get; }

    /// <summary>The <c>.nupkg</c> file.</summary>
    public string Path { get; }

    /// <summary>The symbols package beside it.</summary>
    public string SymbolsPath => System.IO.Path.ChangeExtension(Path, ".snupkg");

    /// <summary>The nuspec's <c>metadata</c> element.</summary>
    public XElement Metadata { get; }

    /// <summary>Every file in the package, by its path inside it.</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>The package's dependencies (every target framework group), as id → version range.</summary>
    public IReadOnlyDictionary<string, string> Dependencies =>
        Metadata.Elements(Name("dependencies")).Descendants(Name("dependency"))
            .ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!, StringComparer.Ordinal);

    /// <summary>The framework references (for example Microsoft.AspNetCore.App).</summary>
    public IReadOnlyList<string> FrameworkReferences =>
        [.. Metadata.Elements(Name("frameworkReferences")).Descendants(Name("frameworkReference")).Select(f => (string)f.Attribute("name")!)];

    /// <summary>True for a <c>dotnet tool</c> package (package type <c>DotnetTool</c>), which carries its dependencies inside.</summary>
    public bool IsTool =>
        Metadata.Elements(Name("packageTypes")).Descendants(Name("packageType")).Any(t => (string?)t.Attribute("name") == "DotnetTool");

    /// <summary>The folder of the package's assembly: <c>lib/net10.0</c>, or <c>tools/net10.0/any</c> for a tool.</summary>
    public string AssemblyFolder => IsTool ? "tools/net10.0/any" : "lib/net10.0";

    /// <summary>The value of a nuspec metadata element, or null.</summary>
    public string? Element(string name) => Metadata.Element(Name(name))?.Value;

    /// <summary>Reads a file of the package.</summary>
    public byte[] Read(string entry)
    {
        using var zip = ZipFile.OpenRead(Path);
        var found = zip.GetEntry(entry) ?? throw new FileNotFoundException($"{entry} is not in {Path}.");
        using var stream = found.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Opens a <c>.nupkg</c>.</summary>
    public static PackedPackage Open(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var nuspec = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        XDocument document;
        using (var stream = nuspec.Open())
        {
            document = XDocument.Load(stream);
        }

        var metadata = document.Root!.Element(document.Root.Name.Namespace + "metadata")!;
        return new PackedPackage(
            metadata.Element(metadata.Name.Namespace + "id")!.Value,
            metadata.Element(metadata.Name.Namespace + "version")!.Value,
            path,
            metadata,
            [.. zip.Entries.Select(e => e.FullName)]);
    }

    /// <summary>The entries of the symbols package.</summary>
    public IReadOnlyList<string> SymbolsEntries()
    {
        using var zip = ZipFile.OpenRead(SymbolsPath);
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    private XName Name(string local) => Metadata.Name.Namespace + local;
}
