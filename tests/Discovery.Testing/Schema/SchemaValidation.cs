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

        var failed = (results.Details ?? []).Where(d => !d.IsValid).ToList();
        var errors = new List<SchemaError>();
        foreach (var detail in failed)
        {
            var location = detail.InstanceLocation.ToString();
            if (detail.Errors is { Count: > 0 })
            {
                errors.AddRange(detail.Errors.Select(e => new SchemaError(location, e.Key, e.Value)));
                continue;
            }

            // Some keywords fail without a message (propertyNames whose "not" matched): report the innermost
            // failing keyword, named by the last segment of its evaluation path.
            var path = detail.EvaluationPath.ToString();
            if (!failed.Any(d => d.EvaluationPath.ToString().StartsWith(path + "/", StringComparison.Ordinal)))
            {
                errors.Add(new SchemaError(location, path[(path.LastIndexOf('/') + 1)..], "failed"));
            }
        }

        return errors;
    }
}
