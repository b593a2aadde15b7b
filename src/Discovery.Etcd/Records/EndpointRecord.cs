namespace Discovery.Etcd.Records;

/// <summary>One endpoint of a service as etcd holds it: an address and its metadata.</summary>
/// <param name="Address">The <c>host:port</c> written in the record's <c>Addr</c> field.</param>
/// <param name="Host">The host part of <see cref="Address"/>, without IPv6 brackets.</param>
/// <param name="Port">The port part of <see cref="Address"/>.</param>
/// <param name="Metadata">The decoded metadata.</param>
internal sealed record EndpointRecord(string Address, string Host, int Port, EndpointMetadata Metadata)
{
    /// <summary>The instance id the record names, or its address when it names none (as Go-written records may).</summary>
    public string Id => Metadata.InstanceId ?? Address;
}
