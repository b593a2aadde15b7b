using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Discovery.Testing;

/// <summary>
/// Reads the <c>&lt;summary&gt;</c> of types and properties from the XML documentation file the compiler writes next
/// to an assembly, as plain text: <c>&lt;c&gt;</c> keeps its text, <c>&lt;see cref&gt;</c> becomes the member's name
/// (a string constant its value, so <c>DiscoveryPickers.RoundRobin</c> reads <c>round_robin</c>).
/// </summary>
internal static partial class XmlDocSummaries
{
    private static readonly Dictionary<Assembly, Dictionary<string, XElement>> Files = [];

    public static string? Of(Type type) => Summary(type.Assembly, "T:" + DocName(type));

    public static string? Of(PropertyInfo property) =>
        Summary(property.DeclaringType!.Assembly, "P:" + DocName(property.DeclaringType!) + "." + property.Name);

    private static string DocName(Type type) => type.FullName!.Replace('+', '.');

    private static string? Summary(Assembly assembly, string member)
    {
        var members = Load(assembly);
        return members.TryGetValue(member, out var element) && element.Element("summary") is { } summary
            ? Collapse(Render(summary))
            : null;
    }

    private static Dictionary<string, XElement> Load(Assembly assembly)
    {
        lock (Files)
        {
            if (Files.TryGetValue(assembly, out var loaded))
            {
                return loaded;
            }

            var path = Path.ChangeExtension(assembly.Location, ".xml");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"No XML documentation beside {assembly.Location}: the schema's descriptions come from it (GenerateDocumentationFile).", path);
            }

            var members = XDocument.Load(path).Descendants("member")
                .Where(m => m.Attribute("name") is not null)
                .ToDictionary(m => m.Attribute("name")!.Value, StringComparer.Ordinal);
            Files[assembly] = members;
            return members;
        }
    }

    private static string Render(XElement element)
    {
        var text = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText t:
                    text.Append(t.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    text.Append(see.IsEmpty ? RenderReference(see) : Render(see));
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    text.Append(reference.Attribute("name")?.Value);
                    break;
                case XElement { Name.LocalName: "para" } para:
                    text.Append(' ').Append(Render(para)).Append(' ');
                    break;
                case XElement other:
                    text.Append(Render(other));
                    break;
            }
        }

        return text.ToString();
    }

    private static string RenderReference(XElement see)
    {
        if (see.Attribute("langword")?.Value is { } word)
        {
            return word;
        }

        var cref = see.Attribute("cref")?.Value ?? see.Attribute("href")?.Value ?? "";
        if (cref.StartsWith("F:", StringComparison.Ordinal) && ConstantValue(cref[2..]) is { } value)
        {
            return value;
        }

        // "M:Ns.Type.Method(Args)" reads as "Type.Method"; "T:Ns.Type" as "Type"; "P:Ns.Type.Prop" as "Prop" when on
        // the same options class is the usual case, so members keep their type only for methods and fields.
        var name = cref.Contains(':', StringComparison.Ordinal) ? cref[(cref.IndexOf(':', StringComparison.Ordinal) + 1)..] : cref;
        var parameters = name.IndexOf('(', StringComparison.Ordinal);
        if (parameters >= 0)
        {
            name = name[..parameters];
        }

        var parts = name.Split('.');
        return cref.StartsWith("M:", StringComparison.Ordinal) && parts.Length >= 2
            ? parts[^2] + "." + parts[^1]
            : parts[^1];
    }

    private static string? ConstantValue(string field)
    {
        var dot = field.LastIndexOf('.');
        var typeName = field[..dot];
        var type = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType(typeName))
            .FirstOrDefault(t => t is not null);
        return type?.GetField(field[(dot + 1)..], BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } constant
            ? Convert.ToString(constant.GetRawConstantValue(), CultureInfo.InvariantCulture)
            : null;
    }

    private static string Collapse(string text) => WhiteSpace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
