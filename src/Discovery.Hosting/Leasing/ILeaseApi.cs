namespace Discovery.Hosting.Leasing;

/// <summary>
/// The few etcd calls a <see cref="LeaseKeeper"/> needs, behind a seam so its state machine runs against a fake
/// with a fake clock. Every call fails with an exception when etcd does not answer in time; a lease that etcd no
/// longer knows is reported as <see cref="LeaseNotFoundException"/> (put) or a TTL of 0 (keep-alive).
/// </summary>
internal interface ILeaseApi
{
    /// <summary>
    /// Grants the lease <paramref name="leaseId"/> (chosen by the caller, so a repeated or hedged grant makes no
    /// second lease) of <paramref name="ttlSeconds"/>; a lease of that id that exists already counts as granted.
    /// </summary>
    Task GrantAsync(long leaseId, long ttlSeconds, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Writes every record under <paramref name="leaseId"/> in one transaction; returns etcd's revision after it.</summary>
    Task<long> PutAllAsync(long leaseId, IReadOnlyList<LeaseRecord> records, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes, in one transaction, each record's key that is still attached to <paramref name="leaseId"/> (a key
    /// another process wrote since is left alone); the lease itself stays. Returns etcd's revision after it.
    /// </summary>
    Task<long> DeleteOwnedAsync(long leaseId, IReadOnlyList<LeaseRecord> records, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Renews <paramref name="leaseId"/> once over the keep-alive stream and returns the TTL etcd granted: 0 when the
    /// lease is gone (expired, revoked, or etcd lost its data).
    /// </summary>
    Task<long> KeepAliveAsync(long leaseId, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Revokes <paramref name="leaseId"/>, which deletes its keys at once; a lease already gone is no error.</summary>
    Task RevokeAsync(long leaseId, TimeSpan timeout, CancellationToken cancellationToken);
}
