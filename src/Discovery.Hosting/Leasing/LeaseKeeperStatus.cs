namespace Discovery.Hosting.Leasing;

/// <summary>A snapshot of a <see cref="LeaseKeeper"/>'s state, for health checks and tests.</summary>
/// <param name="State">Where the keeper stands.</param>
/// <param name="LeaseId">The current lease, or 0 when none is held.</param>
/// <param name="LastConfirmedAt">When etcd last confirmed the lease or the records, or null before the first time.</param>
/// <param name="RecordsRevision">The etcd revision of the last write of the records, or 0 before it.</param>
/// <param name="Problem">The last failure while not <see cref="LeaseKeeperState.Registered"/>, or null.</param>
internal sealed record LeaseKeeperStatus(LeaseKeeperState State, long LeaseId, DateTimeOffset? LastConfirmedAt, long RecordsRevision, string? Problem);
