namespace Discovery.Hosting.Leasing;

/// <summary>Where a <see cref="LeaseKeeper"/> stands with its records.</summary>
/// <remarks>
/// Every consumer maps unknown states conservatively, so adding one is not a breaking change.
/// </remarks>
internal enum LeaseKeeperState
{
    /// <summary>Not yet registered: the first grant and write are under way.</summary>
    Starting = 0,

    /// <summary>The records are in etcd under a live lease that etcd confirmed within the TTL.</summary>
    Registered = 1,

    /// <summary>etcd does not answer, but the lease was confirmed within the TTL and etcd keeps leases across its restarts.</summary>
    Retrying = 2,

    /// <summary>The records are (or may be) gone: the lease expired or was revoked, or etcd has not answered for a whole TTL. Re-registering.</summary>
    Lost = 3,

    /// <summary>Stopped; the lease was revoked (or left to expire when etcd did not answer).</summary>
    Stopped = 4,

    /// <summary>
    /// Deliberately out of rotation: the lease is alive and confirmed, the records are not in etcd because a
    /// <see cref="WithdrawalReasons"/> holds.
    /// </summary>
    Withdrawn = 5,
}
