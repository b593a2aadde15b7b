using System.Text.Json.Nodes;

namespace Discovery.Testing;

/// <summary>
/// The checked-in <c>ConfigurationSchema.json</c> of a shipping project: whether it is current, and the configuration
/// keys it and the options type describe, for the tests that keep the two in step.
/// </summary>
public static class ConfigurationSchemaFile
{
    /// <summary>Set to <c>1</c> to rewrite the checked-in schema files instead of failing on a stale one.</summary>
    public const string UpdateVariable = "DISCOVERY_UPDATE_SCHEMA";

    /// <summary>The full path of <paramref name="spec"/>'s checked-in schema.</summary>
    public static string PathOf(ConfigurationSchemaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Path.Combine(RepositoryRoot(), spec.ProjectDirectory, "ConfigurationSchema.json");
    }

    /// <summary>The checked-in schema text.</summary>
    public static string Read(ConfigurationSchemaSpec spec) => File.ReadAllText(PathOf(spec));

    /// <summary>The checked-in schema text of another package, such as <c>src/Discovery.Etcd</c>.</summary>
    public static string Read(string projectDirectory) =>
        File.ReadAllText(RepositoryPath(Path.Combine(projectDirectory, "ConfigurationSchema.json")));

    /// <summary>The full path of a file given relative to the repository root, such as <c>samples/EchoServer/appsettings.json</c>.</summary>
    public static string RepositoryPath(string relative) => Path.Combine(RepositoryRoot(), relative);

    /// <summary>
    /// Fails when the checked-in schema differs from the generated one, saying how to regenerate it; with
    /// <see cref="UpdateVariable"/> set to 1, writes the generated schema instead.
    /// </summary>
    public static void AssertCurrent(ConfigurationSchemaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var path = PathOf(spec);
        var generated = ConfigurationSchemaGenerator.Generate(spec);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, generated);
            return;
        }

        var current = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
        if (current != generated)
        {
            Assert.Fail(
                $"{Path.Combine(spec.ProjectDirectory, "ConfigurationSchema.json")} is {(current is null ? "missing" : "stale")}: " +
                $"the options or their XML docs changed. Regenerate every schema with `./run.sh schema`, or this one with " +
                $"`{UpdateVariable}=1 dotnet test {spec.TestProjectDirectory} -c Release --filter FullyQualifiedName~ConfigurationSchema`, " +
                "and commit the result.");
        }
    }

    /// <summary>
    /// The configuration keys the options bind, such as <c>Discovery:Etcd:Tls:CaFile</c>; a named section reads
    /// <c>{name}</c> where the instance name goes, and a list or dictionary is one key.
    /// </summary>
    public static SortedSet<string> OptionKeys(ConfigurationSchemaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        AddOptionKeys(spec.Named ? spec.Section + ":{name}" : spec.Section, spec.OptionsType, keys);
        return keys;
    }

    /// <summary>The configuration keys a schema describes, in the shape of <see cref="OptionKeys"/>.</summary>
    public static SortedSet<string> SchemaKeys(string schemaText)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        AddSchemaKeys("", JsonNode.Parse(schemaText)!.AsObject(), keys);
        return keys;
    }

    private static void AddOptionKeys(string prefix, Type type, SortedSet<string> keys)
    {
        foreach (var property in ConfigurationSchemaGenerator.BoundProperties(type))
        {
            var key = prefix + ":" + property.Name;
            var propertyType = property.PropertyType;
            if (ConfigurationSchemaGenerator.IsScalar(propertyType)
                || ConfigurationSchemaGenerator.DictionaryValueType(propertyType) is not null
                || ConfigurationSchemaGenerator.ElementType(propertyType) is not null)
            {
                keys.Add(key);
            }
            else
            {
                AddOptionKeys(key, propertyType, keys);
            }
        }
    }

    private static void AddSchemaKeys(string prefix, JsonObject schema, SortedSet<string> keys)
    {
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                AddSchemaKeys(prefix.Length == 0 ? name : prefix + ":" + name, child!.AsObject(), keys);
            }
        }
        else if (schema["additionalProperties"] is JsonObject { } entry && entry["properties"] is not null)
        {
            AddSchemaKeys(prefix + ":{name}", entry, keys);
        }
        else
        {
            keys.Add(prefix);
        }
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Discovery.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException($"No Discovery.sln above {AppContext.BaseDirectory}.");
    }
}
