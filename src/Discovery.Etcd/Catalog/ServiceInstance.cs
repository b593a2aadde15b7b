using System.Globalization;

namespace Discovery.Etcd;

/// <summary>
/// One registered endpoint of a service, read from its etcd record: an address and the instance's metadata.
/// </summary>
/// <remarks>
/// Each record holds one address, so an instance listening on two addresses appears twice, with one
/// <see cref="Id"/>. Equal instances have equal addresses and equal metadata.
/// </remarks>
public sealed class ServiceInstance : IEquatable<ServiceInstance>
{
    /// <summary>The weight of an instance whose record names none.</summary>
    public const int DefaultWeight = 100;

    private static readonly IReadOnlyDictionary<string, string> s_noMetadata =
        new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Creates an instance, as a test double or a value to compare with.</summary>
    /// <param name="address"><c>host:port</c>, or <c>[v6]:port</c>; the port 1 to 65535.</param>
    /// <param name="id">The instance id, or null to use <paramref name="address"/>.</param>
    /// <param name="version">The version, or null.</param>
    /// <param name="zone">The zone, or null.</param>
    /// <param name="weight">A positive weight.</param>
    /// <param name="metadata">Other metadata; its keys may not be empty nor <c>id</c>, <c>version</c>, <c>zone</c> or <c>weight</c>.</param>
    /// <exception cref="ArgumentException">An argument breaks the rules above.</exception>
    public ServiceInstance(
        string address, string? id, string? version, string? zone, int weight, IReadOnlyDictionary<string, string>? metadata)
        : this(address, HostOf(address, out var port), port, id, version, zone, PositiveWeight(weight), Copy(metadata))
    {
    }

    // For the record decoder, which has split the address and built the metadata for this instance alone.
    internal ServiceInstance(
        string address, string host, int port, string? id, string? version, string? zone, int weight, IReadOnlyDictionary<string, string> metadata)
    {
        Address = address;
        Host = host;
        Port = port;
        InstanceId = NullIfEmpty(id);
        Version = NullIfEmpty(version);
        Zone = NullIfEmpty(zone);
        Weight = weight;
        Metadata = metadata.Count == 0 ? s_noMetadata : metadata;
    }

    private static string HostOf(string address, out int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return TrySplitAddress(address, out var host, out port)
            ? host
            : throw new ArgumentException($"'{address}' is not host:port with a port from 1 to 65535.", nameof(address));
    }

    private static int PositiveWeight(int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weight);
        return weight;
    }

    /// <summary>The instance id the record names (<c>id</c>), or its <see cref="Address"/> when it names none, as records written by Go's <c>endpoints.Manager</c> may.</summary>
    public string Id => InstanceId ?? Address;

    /// <summary>The <c>host:port</c> written in the record's <c>Addr</c> field.</summary>
    public string Address { get; }

    /// <summary>The host part of <see cref="Address"/>, without IPv6 brackets.</summary>
    public string Host { get; }

    /// <summary>The port part of <see cref="Address"/>.</summary>
    public int Port { get; }

    /// <summary>The version (<c>version</c>), or null.</summary>
    public string? Version { get; }

    /// <summary>The zone (<c>zone</c>), or null.</summary>
    public string? Zone { get; }

    /// <summary>The weight (<c>weight</c>), a positive integer; <see cref="DefaultWeight"/> when the record names none.</summary>
    public int Weight { get; }

    /// <summary>Every other metadata key of the record, with its value.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    internal string? InstanceId { get; }

    /// <inheritdoc/>
    public bool Equals(ServiceInstance? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null
            || Address != other.Address
            || InstanceId != other.InstanceId
            || Version != other.Version
            || Weight != other.Weight
            || Zone != other.Zone
            || Metadata.Count != other.Metadata.Count)
        {
            return false;
        }

        foreach (var (key, value) in Metadata)
        {
            if (!other.Metadata.TryGetValue(key, out var otherValue) || value != otherValue)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ServiceInstance);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Address, InstanceId, Version, Weight, Zone, Metadata.Count);

    /// <summary>The id and address, as <c>s1@127.0.0.1:5001</c>.</summary>
    public override string ToString() => InstanceId is null ? Address : $"{InstanceId}@{Address}";

    internal static bool IsReservedKey(string key) => key is "id" or "version" or "weight" or "zone";

    private static bool TrySplitAddress(string address, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        var colon = address.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        var hostPart = address[..colon];
        if (hostPart.StartsWith('[') != hostPart.EndsWith(']'))
        {
            return false;
        }

        host = hostPart.StartsWith('[') ? hostPart[1..^1] : hostPart;
        return host.Length > 0 && (hostPart.StartsWith('[') || !host.Contains(':', StringComparison.Ordinal));
    }

    private static IReadOnlyDictionary<string, string> Copy(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return s_noMetadata;
        }

        var copy = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException("A metadata key may not be empty.", nameof(metadata));
            }

            if (IsReservedKey(key))
            {
                throw new ArgumentException($"The metadata key '{key}' is reserved: give it through its own parameter.", nameof(metadata));
            }

            copy[key] = value ?? string.Empty;
        }

        return copy;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
