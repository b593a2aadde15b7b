using System.Text.Json.Nodes;

namespace Discovery.Testing;

/// <summary>
/// What one package's <c>ConfigurationSchema.json</c> describes: the options type bound at a configuration section,
/// and the constraints the package's validators enforce that a type alone does not say (ranges, patterns).
/// </summary>
public sealed class ConfigurationSchemaSpec
{
    /// <summary>The configuration section, such as <c>Discovery:Etcd</c>.</summary>
    public required string Section { get; init; }

    /// <summary>The options class bound at <see cref="Section"/>.</summary>
    public required Type OptionsType { get; init; }

    /// <summary>
    /// True when <see cref="Section"/> holds one <see cref="OptionsType"/> per name (<c>Discovery:Clients:{name}</c>),
    /// as named options bound from <c>{Section}:{name}</c>.
    /// </summary>
    public bool Named { get; init; }

    /// <summary>The shipping project's folder relative to the repository root, where the schema file lives.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>The test project whose tests check this schema, for the regeneration hint.</summary>
    public required string TestProjectDirectory { get; init; }

    /// <summary>Extra keywords per property, from what the validators check; applied after the generated ones.</summary>
    public IReadOnlyList<SchemaRule> Rules { get; init; } = [];
}

/// <summary>
/// Adjusts the generated schema of one property, such as adding <c>minimum</c>. Names a property that must exist, so
/// a renamed option fails generation instead of leaving a rule behind.
/// </summary>
public sealed record SchemaRule(Type DeclaringType, string Property, Action<JsonObject> Apply)
{
    /// <summary>A rule for <typeparamref name="T"/>'s <paramref name="property"/>.</summary>
    public static SchemaRule For<T>(string property, Action<JsonObject> apply) => new(typeof(T), property, apply);
}
