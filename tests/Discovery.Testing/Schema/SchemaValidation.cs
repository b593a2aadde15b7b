using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Discovery.Testing;

/// <summary>One reason a configuration file does not match the schema: where (a JSON pointer) and what.</summary>
public sealed record SchemaError(string Location, string Keyword, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Location} ({Keyword}): {Message}";
}

/// <summary>
/// Validates a configuration file against schema segments as Visual Studio applies them: every segment at once
/// (the segments own disjoint sections, so <c>allOf</c> says the same as VS's merge).
/// </summary>
public static class SchemaValidation
{
    /// <summary>Every error of <paramref name="json"/> against all of <paramref name="schemas"/>; empty when valid.</summary>
    public static IReadOnlyList<SchemaError> Errors(string json, params string[] schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        var combined = new JsonObject { ["allOf"] = new JsonArray(schemas.Select(s => JsonNode.Parse(s)).ToArray()) };
        // A fresh registry each time: schemas without $id get the same generated base URI otherwise.
        var schema = JsonSchema.FromText(combined.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        return (results.Details ?? [])
            .Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => new SchemaError(d.InstanceLocation.ToString(), e.Key, e.Value)))
            .ToList();
    }
}
