using System.Text.Json.Serialization;
using Discovery.Cli.Registry;

namespace Discovery.Cli.Output;

// The JSON every command prints with --output json. Field names are public API: camelCase, never renamed; a field
// without a value is written as null, so every document of a kind has the same fields.

/// <summary><c>list</c>: every service.</summary>
internal sealed record ServiceListDocument(IReadOnlyList<ServiceDocument> Services);

/// <summary>One service of <c>list</c>.</summary>
internal sealed record ServiceDocument(string Service, int InstanceCount, int ServingCount);

/// <summary><c>list SERVICE</c>, and each line of <c>watch SERVICE</c> (with <see cref="Stale"/> and <see cref="AgeSeconds"/>).</summary>
internal sealed record InstanceListDocument(
    string Service,
    IReadOnlyList<InstanceDocument> Instances,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Stale = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? AgeSeconds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Problem = null);

/// <summary>One instance (one address of it).</summary>
internal sealed record InstanceDocument(
    string Id,
    string? Address,
    string? Version,
    string? Zone,
    int Weight,
    string State,
    string? LeaseId,
    long? LeaseTtlSeconds,
    int? InFlight,
    IReadOnlyDictionary<string, string> Metadata)
{
    public static InstanceDocument From(InstanceRow row) => new(
        row.Id, row.Address, row.Version, row.Zone, row.Weight, row.State, row.LeaseHex, row.LeaseTtlSeconds, row.InFlight, row.Metadata);
}

/// <summary><c>inspect</c>.</summary>
internal sealed record InspectDocument(int RecordsChecked, IReadOnlyList<FindingDocument> Findings);

/// <summary>One thing <c>inspect</c> flagged.</summary>
internal sealed record FindingDocument(string Kind, string? Service, string Key, string Message);

/// <summary><c>pause</c>, <c>resume</c>, <c>weight</c>: what was written and whether the instance confirmed it.</summary>
internal sealed record ControlDocument(string Service, string Instance, string RequestedState, int? RequestedWeight, bool Confirmed, string? ReportedState);

/// <summary><c>drain</c>: the instance's last status.</summary>
internal sealed record DrainDocument(string Service, string Instance, string State, int InFlight, DateTimeOffset? DrainedAt, double ElapsedSeconds);
