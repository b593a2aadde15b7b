using System.Collections.Frozen;

namespace Discovery.Etcd.Records;

/// <summary>
/// The metadata of one registered endpoint: a typed view of the well-known keys (<c>id</c>, <c>version</c>,
/// <c>weight</c>, <c>zone</c>) and every other key as a string.
/// </summary>
internal sealed class EndpointMetadata : IEquatable<EndpointMetadata>
{
    /// <summary>The weight of an endpoint whose record names none.</summary>
    public const int DefaultWeight = 100;

    internal const string IdKey = "id";
    internal const string VersionKey = "version";
    internal const string WeightKey = "weight";
    internal const string ZoneKey = "zone";

    public static readonly EndpointMetadata Empty = new(null, null, DefaultWeight, null, null);

    public EndpointMetadata(
        string? instanceId,
        string? version,
        int weight,
        string? zone,
        IReadOnlyDictionary<string, string>? properties)
    {
        if (weight <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "A weight must be a positive integer.");
        }

        if (properties?.Keys.FirstOrDefault(k => string.IsNullOrEmpty(k) || IsReservedKey(k)) is { } badKey)
        {
            throw new ArgumentException(
                badKey.Length == 0
                    ? "A metadata key may not be empty."
                    : $"The metadata key '{badKey}' is reserved: give it through its own parameter.",
                nameof(properties));
        }

        InstanceId = NullIfEmpty(instanceId);
        Version = NullIfEmpty(version);
        Weight = weight;
        Zone = NullIfEmpty(zone);
        Properties = properties is null || properties.Count == 0
            ? FrozenDictionary<string, string>.Empty
            : properties.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The instance id (<c>id</c>), or null when the record names none.</summary>
    public string? InstanceId { get; }

    /// <summary>The version (<c>version</c>), or null.</summary>
    public string? Version { get; }

    /// <summary>The weight (<c>weight</c>), a positive integer; <see cref="DefaultWeight"/> when absent.</summary>
    public int Weight { get; }

    /// <summary>The zone (<c>zone</c>), or null.</summary>
    public string? Zone { get; }

    /// <summary>Every key other than the well-known ones; values may be empty here but are never written empty.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>True for the well-known keys, which may not appear in <see cref="Properties"/>.</summary>
    public static bool IsReservedKey(string key) =>
        key is IdKey or VersionKey or WeightKey or ZoneKey;

    public bool Equals(EndpointMetadata? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null
            || InstanceId != other.InstanceId
            || Version != other.Version
            || Weight != other.Weight
            || Zone != other.Zone
            || Properties.Count != other.Properties.Count)
        {
            return false;
        }

        foreach (var (key, value) in Properties)
        {
            if (!other.Properties.TryGetValue(key, out var otherValue) || value != otherValue)
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as EndpointMetadata);

    public override int GetHashCode() => HashCode.Combine(InstanceId, Version, Weight, Zone, Properties.Count);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
