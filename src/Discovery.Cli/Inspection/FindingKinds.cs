namespace Discovery.Cli.Inspection;

/// <summary>What <c>inspect</c> flags: the <c>kind</c> of each finding, public output never renamed.</summary>
internal static class FindingKinds
{
    /// <summary>A record value no client can read (not JSON, no or bad <c>Addr</c>, bad <c>Op</c>, bad metadata): clients skip it.</summary>
    public const string UndecodableValue = "undecodable-value";

    /// <summary>A record value over <c>Discovery:Etcd:MaxRecordBytes</c>: Discovery clients skip it unread.</summary>
    public const string RecordTooLarge = "record-too-large";

    /// <summary><c>Metadata</c> written as a JSON object: stock Go clients whose balancers hash addresses crash on it (etcd issue 19700).</summary>
    public const string JsonObjectMetadata = "json-object-metadata";

    /// <summary>A record under no lease: it outlives the process that wrote it.</summary>
    public const string NoLease = "no-lease";

    /// <summary>One instance id on records of different leases: two processes claim one id.</summary>
    public const string DuplicateInstanceId = "duplicate-instance-id";

    /// <summary>One address under two keys of a service: clients see it twice, and one key outlives the other.</summary>
    public const string DuplicateAddress = "duplicate-address";

    /// <summary>A service name that is the start of another's: a client reading it without a trailing <c>/</c> sees both (etcd issue 15022).</summary>
    public const string ServiceNamePrefix = "service-name-prefix";

    /// <summary>A control record (<c>_discovery/control/…</c>) the instance cannot read: its last good one stays in force.</summary>
    public const string UndecodableControlRecord = "undecodable-control-record";
}
