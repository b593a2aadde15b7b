using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Discovery.Testing;

/// <summary>
/// Writes a package's <c>ConfigurationSchema.json</c> from its options type: every property the configuration binder
/// sets, its type, its default (read from a new instance), its <c>&lt;summary&gt;</c> as the description, and the
/// spec's rules. The output is a schema segment Visual Studio merges into the <c>appsettings*.json</c> schema.
/// </summary>
/// <remarks>
/// Decisions, the same for every package:
/// <list type="bullet">
/// <item>No <c>required</c>: a key may come from another file (<c>appsettings.Development.json</c> overriding one
/// value), an environment variable or code (<c>UseEtcd("echo")</c>), and each file is checked alone. The validators
/// report a missing key at start-up, naming it.</item>
/// <item>Options objects list their keys in <c>propertyNames</c>, matched without regard to case as the binder
/// does: a misspelt key, which the binder would silently ignore, is flagged. <c>additionalProperties: false</c> would
/// flag <c>serviceName</c>, which binds. The shared <c>Discovery</c> object stays open: other packages' segments add
/// their sections to it.</item>
/// <item>Durations are strings matching <see cref="DurationPattern"/>; a JSON number is an error (the binder would
/// read <c>10</c> as ten days).</item>
/// <item>Everything is inline, no <c>$ref</c>: segments merge by JSON pointer and a shared definition name could clash.</item>
/// </list>
/// </remarks>
public static class ConfigurationSchemaGenerator
{
    private static readonly JsonSerializerOptions Output = new()
    {
        WriteIndented = true,
        // Descriptions quote code ('<', '>', '&', '\''): keep them readable in the checked-in file.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The schema text for <paramref name="spec"/>, indented, with a final newline.</summary>
    public static string Generate(ConfigurationSchemaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var unused = new HashSet<SchemaRule>(spec.Rules);
        var section = ObjectSchema(spec.OptionsType, XmlDocSummaries.Of(spec.OptionsType), spec.Rules, unused);
        if (unused.Count > 0)
        {
            throw new InvalidOperationException(
                "Schema rules name properties that are not options: " +
                string.Join(", ", unused.Select(r => r.DeclaringType.Name + "." + r.Property)));
        }

        if (spec.Named)
        {
            section = new JsonObject
            {
                ["type"] = "object",
                ["description"] = XmlDocSummaries.Of(spec.OptionsType),
                ["additionalProperties"] = section,
            };
        }

        // Discovery:Clients becomes properties.Discovery.properties.Clients, each level an open object.
        var segments = spec.Section.Split(':');
        JsonNode node = section;
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            node = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { [segments[i]] = node },
            };
        }

        return node.ToJsonString(Output).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>The properties the configuration binder sets on <paramref name="type"/>: public, instance, settable.</summary>
    public static IEnumerable<PropertyInfo> BoundProperties(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="type"/> binds as one value (a string in configuration).</summary>
    public static bool IsScalar(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);
    }

    /// <summary>The value type of a dictionary type, or null when <paramref name="type"/> is not one.</summary>
    public static Type? DictionaryValueType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary is not null && dictionary.GetGenericArguments()[0] == typeof(string) ? dictionary.GetGenericArguments()[1] : null;
    }

    /// <summary>The element type of a list or array type, or null when <paramref name="type"/> is not one.</summary>
    public static Type? ElementType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type == typeof(string) || DictionaryValueType(type) is not null)
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static JsonObject ObjectSchema(Type type, string? description, IReadOnlyList<SchemaRule> rules, HashSet<SchemaRule> unused)
    {
        var defaults = Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"{type.Name} has no public parameterless constructor: the binder cannot create it.");
        var properties = new JsonObject();
        foreach (var property in BoundProperties(type))
        {
            var schema = ValueSchema(property.PropertyType, property.Name, rules, unused);
            if (XmlDocSummaries.Of(property) is { } summary)
            {
                // The property's summary says what it is in its context; a nested class's own summary is generic.
                schema["description"] = summary;
            }
            else
            {
                throw new InvalidOperationException($"{type.Name}.{property.Name} has no <summary>: the schema needs its description.");
            }

            if (DefaultValue(property.GetValue(defaults)) is { } value)
            {
                schema["default"] = value;
            }

            foreach (var rule in rules.Where(r => r.DeclaringType == type && r.Property == property.Name))
            {
                rule.Apply(schema);
                unused.Remove(rule);
            }

            properties[property.Name] = Ordered(schema);
        }

        var names = BoundProperties(type).Select(p => p.Name).ToList();
        var result = new JsonObject { ["type"] = "object" };
        if (description is not null)
        {
            result["description"] = description;
        }

        result["properties"] = properties;
        result["propertyNames"] = new JsonObject
        {
            ["description"] = "The keys " + type.Name + " binds, in any case.",
            ["pattern"] = "^(" + string.Join("|", names.Select(CaseInsensitive)) + ")$",
        };
        return result;
    }

    private static JsonObject ValueSchema(Type type, string name, IReadOnlyList<SchemaRule> rules, HashSet<SchemaRule> unused)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(uint) || type == typeof(ulong))
        {
            return new JsonObject { ["type"] = "integer" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number" };
        }

        if (type == typeof(TimeSpan))
        {
            return new JsonObject { ["type"] = "string", ["pattern"] = DurationPattern.Value };
        }

        if (type.IsEnum)
        {
            return new JsonObject { ["enum"] = new JsonArray(Enum.GetNames(type).Select(n => (JsonNode)JsonValue.Create(n)).ToArray()) };
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = ValueSchema(valueType, name, rules, unused) };
        }

        if (ElementType(type) is { } elementType)
        {
            return new JsonObject { ["type"] = "array", ["items"] = ValueSchema(elementType, name, rules, unused) };
        }

        if (type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null)
        {
            return ObjectSchema(type, null, rules, unused);
        }

        throw new NotSupportedException($"{name} has the type {type}, which the schema generator does not map: add it.");
    }

    private static JsonNode? DefaultValue(object? value) => value switch
    {
        null => null,
        string text => text,
        bool flag => flag,
        int number => number,
        long number => number,
        double number => number,
        TimeSpan duration => FormatDuration(duration),
        Enum member => member.ToString(),
        _ => null, // collections and nested objects: their members carry the defaults
    };

    /// <summary><c>00:00:05</c>, <c>00:00:00.05</c>, <c>1.00:00:00</c>: the constant format without trailing zeros.</summary>
    private static string FormatDuration(TimeSpan duration)
    {
        var text = duration.ToString("c", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) && text.LastIndexOf('.') > text.LastIndexOf(':')
            ? text.TrimEnd('0')
            : text;
    }

    /// <summary>The type, description and default first, so a reader of the file sees what a key is before its rules.</summary>
    private static JsonObject Ordered(JsonObject schema)
    {
        string[] first = ["type", "description", "default"];
        var entries = schema.ToList();
        schema.Clear();
        var ordered = new JsonObject();
        foreach (var (key, value) in entries.Where(e => first.Contains(e.Key)).OrderBy(e => Array.IndexOf(first, e.Key)))
        {
            ordered[key] = value;
        }

        foreach (var (key, value) in entries.Where(e => !first.Contains(e.Key)))
        {
            ordered[key] = value;
        }

        return ordered;
    }

    private static string CaseInsensitive(string name)
    {
        var pattern = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsLetter(c))
            {
                pattern.Append('[').Append(char.ToUpperInvariant(c)).Append(char.ToLowerInvariant(c)).Append(']');
            }
            else
            {
                pattern.Append(c);
            }
        }

        return pattern.ToString();
    }
}
