using System.Globalization;
using System.Reflection;

namespace Discovery.Testing;

/// <summary>
/// A shipping assembly's public surface read from the built assembly, one sorted line per member, for public-API
/// tests that pin it: a renamed parameter, a changed constant or a new public type is then a failing test and a
/// diff a reviewer sees.
/// </summary>
/// <example><code>Assert.Equal(["DiscoveryPickers.Random = random"], PublicSurface.Constants(assembly));</code></example>
public static class PublicSurface
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>The full names of the exported types.</summary>
    public static IReadOnlyList<string> Types(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Sorted(assembly.GetExportedTypes().Select(t => t.FullName!));
    }

    /// <summary>Every public method (accessors left out) as <c>Type.Method(ParameterType name, …)</c>.</summary>
    public static IReadOnlyList<string> Methods(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Sorted(
            from type in assembly.GetExportedTypes()
            from method in type.GetMethods(Declared)
            where !method.IsSpecialName
            select $"{type.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => $"{NameOf(p.ParameterType)} {p.Name}"))})");
    }

    /// <summary>Every public property as <c>Type.Property: PropertyType</c> (for options classes: the configuration keys).</summary>
    public static IReadOnlyList<string> Properties(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Sorted(
            from type in assembly.GetExportedTypes()
            from property in type.GetProperties(Declared)
            select $"{type.Name}.{property.Name}: {NameOf(property.PropertyType)}");
    }

    /// <summary>Every public constant, enum members included, as <c>Type.Name = value</c>.</summary>
    public static IReadOnlyList<string> Constants(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Sorted(
            from type in assembly.GetExportedTypes()
            from field in type.GetFields(Declared)
            where field.IsLiteral
            select $"{type.Name}.{field.Name} = {Convert.ToString(field.GetRawConstantValue(), CultureInfo.InvariantCulture)}");
    }

    private static string[] Sorted(IEnumerable<string> lines) => [.. lines.Order(StringComparer.Ordinal)];

    private static string NameOf(Type type)
    {
        if (type.IsByRef)
        {
            return NameOf(type.GetElementType()!) + "&";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return NameOf(underlying) + "?";
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(NameOf))}>";
    }
}
