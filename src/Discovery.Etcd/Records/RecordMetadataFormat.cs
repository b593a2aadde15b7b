namespace Discovery.Etcd.Records;

/// <summary>How the <c>Metadata</c> field of a written etcd record is encoded. Both forms are always read.</summary>
internal enum RecordMetadataFormat
{
    /// <summary>
    /// One JSON string in <c>application/x-www-form-urlencoded</c> form, such as
    /// <c>"id=s1&amp;version=v1&amp;weight=100"</c>. Safe for Go clients using etcd's resolver (the default).
    /// </summary>
    FormString = 0,

    /// <summary>
    /// A JSON object, such as <c>{"id":"s1","version":"v1","weight":100}</c>. Crashes Go clients that use etcd's
    /// resolver with grpc-go's balancers (etcd issue 19700): only for fleets without Go clients.
    /// </summary>
    JsonObject = 1,
}
