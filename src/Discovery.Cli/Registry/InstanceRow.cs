namespace Discovery.Cli.Registry;

/// <summary>
/// One instance (one address of it) as <c>list</c> and <c>watch</c> show it: what clients read from its record, and
/// what its status record and lease say. An instance that is paused, draining or withdrawn has no record, so no
/// <see cref="Address"/>; it is known from its status record.
/// </summary>
internal sealed record InstanceRow(
    string Id,
    string? Address,
    string? Version,
    string? Zone,
    int Weight,
    string State,
    long? LeaseId,
    long? LeaseTtlSeconds,
    int? InFlight,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The lease id as etcdctl prints it (hex), or null for a key under no lease.</summary>
    public string? LeaseHex => LeaseId is { } id and not 0 ? id.ToString("x", System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>What identifies the row between two views: the instance id and its address.</summary>
    public string RowKey => Id + "@" + Address;
}
