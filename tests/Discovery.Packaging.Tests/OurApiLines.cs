using System.Text.RegularExpressions;

namespace Discovery.Packaging.Tests;

/// <summary>
/// The lines of C# that name Discovery's API: a public type, an <c>Add…</c>/<c>Use…</c> extension method (or any
/// public method of a public static class) of a shipped assembly, or a <c>Discovery.*</c> namespace.
/// </summary>
internal static class OurApiLines
{
    /// <summary>The matching lines of <paramref name="files"/>, as <c>file: line</c>.</summary>
    public static IReadOnlyList<string> In(IEnumerable<ShippedAssembly> assemblies, IEnumerable<string> files)
    {
        var names = assemblies.SelectMany(a => a.PublicTypes.Concat(a.StaticClassMethods))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(n => n.Length)
            .Select(Regex.Escape);
        var ours = new Regex($@"(?<![\w.])Discovery\.\w|\b(?:{string.Join('|', names)})\b", RegexOptions.CultureInvariant);

        return
        [
            .. from file in files
               from line in File.ReadLines(file)
               let code = line.Trim()
               where code.Length > 0 && !code.StartsWith("//", StringComparison.Ordinal) && ours.IsMatch(code)
               select $"{Path.GetFileName(Path.GetDirectoryName(file))}/{Path.GetFileName(file)}: {code}",
        ];
    }
}
