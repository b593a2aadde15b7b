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

    private static readonly IReadOnlyDictionary<string, string> s_noProperties =
        new Dictionary<string, string>(StringComparer.Ordinal);

    public static readonly EndpointMetadata Empty = new(null, null, DefaultWeight, null, null);

    public EndpointMetadata(
        string? instanceId,
        string? version,
        int weight,
        string? zone,
        IReadOnlyDictionary<string, string>? properties)
        : this(instanceId, version, weight, zone, Copy(properties))
    {
    }

    private EndpointMetadata(
        string? instanceId, string? version, int weight, string? zone, Dictionary<string, string>? properties)
    {
        if (weight <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "A weight must be a positive integer.");
        }

        InstanceId = NullIfEmpty(instanceId);
        Version = NullIfEmpty(version);
        Weight = weight;
        Zone = NullIfEmpty(zone);
        Properties = properties is null || properties.Count == 0 ? s_noProperties : properties;
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

    /// <summary>
    /// Metadata over <paramref name="properties"/> itself, not a copy: for the record decoder, which builds that
    /// dictionary for this record alone and never passes a reserved or empty key.
    /// </summary>
    internal static EndpointMetadata FromDecoded(
        string? instanceId, string? version, int weight, string? zone, Dictionary<string, string>? properties)
    {
        System.Diagnostics.Debug.Assert(
            properties is null || properties.Keys.All(k => k.Length > 0 && !IsReservedKey(k)),
            "The decoder passed a reserved or empty key.");
        return new EndpointMetadata(instanceId, version, weight, zone, properties);
    }

    // A plain copy, not a frozen dictionary: records are decoded on every watch event and their extra keys are read
    // rarely, so freezing (more than the cost of the whole decode) would not pay for itself.
    private static Dictionary<string, string>? Copy(IReadOnlyDictionary<string, string>? properties)
    {
        if (properties is null || properties.Count == 0)
        {
            return null;
        }

        var copy = new Dictionary<string, string>(properties.Count, StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException("A metadata key may not be empty.", nameof(properties));
            }

            if (IsReservedKey(key))
            {
                throw new ArgumentException(
                    $"The metadata key '{key}' is reserved: give it through its own parameter.", nameof(properties));
            }

            copy[key] = value;
        }

        return copy;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
