namespace Discovery.Etcd;

/// <summary>An immutable snapshot of one service's instances as etcd last confirmed them.</summary>
/// <remarks>
/// An etcd outage never empties a view: it keeps the last instances etcd listed, with <see cref="IsEtcdReachable"/>
/// false and <see cref="Problem"/> saying why, while <see cref="AgeAt"/> grows.
/// </remarks>
public sealed class ServiceView
{
    /// <summary>Creates a view, as a test double.</summary>
    /// <param name="service">The service name.</param>
    /// <param name="instances">The instances, one per distinct address.</param>
    /// <param name="isSynced">Whether etcd has listed the service at least once.</param>
    /// <param name="revision">The etcd revision the view reflects, 0 before the first listing.</param>
    /// <param name="confirmedAt">When etcd last confirmed the view, or null before the first listing.</param>
    /// <param name="problem">Why etcd does not confirm the view now, or null while it does.</param>
    public ServiceView(
        string service, IReadOnlyList<ServiceInstance> instances, bool isSynced, long revision, DateTimeOffset? confirmedAt, string? problem)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(instances);
        Service = service;
        Instances = instances;
        IsSynced = isSynced;
        Revision = revision;
        ConfirmedAt = isSynced ? confirmedAt : null;
        Problem = problem;
    }

    /// <summary>The service name (without the key prefix).</summary>
    public string Service { get; }

    /// <summary>The instances, one per distinct address, ordered by address. Empty until <see cref="IsSynced"/>.</summary>
    public IReadOnlyList<ServiceInstance> Instances { get; }

    /// <summary>True once etcd has listed the service at least once; from then on the view is never emptied by an outage.</summary>
    public bool IsSynced { get; }

    /// <summary>The etcd revision the view reflects (0 before the first listing).</summary>
    public long Revision { get; }

    /// <summary>When etcd last confirmed the view (a listing, an event or a progress reply), or null before the first listing.</summary>
    public DateTimeOffset? ConfirmedAt { get; }

    /// <summary>Why the view may be stale (etcd unreachable, the watch interrupted, …), or null while etcd confirms it.</summary>
    public string? Problem { get; }

    /// <summary>True while etcd answers the watch behind this view: it has been listed and no problem is reported.</summary>
    public bool IsEtcdReachable => IsSynced && Problem is null;

    /// <summary>Time since etcd last confirmed the view, at <paramref name="now"/>; <see cref="TimeSpan.MaxValue"/> before the first listing.</summary>
    /// <param name="now">The current time, from the application's <see cref="TimeProvider"/>.</param>
    public TimeSpan AgeAt(DateTimeOffset now) => ConfirmedAt is { } confirmed ? now - confirmed : TimeSpan.MaxValue;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Service}: {Instances.Count} instance(s) at revision {Revision}{(IsSynced ? string.Empty : ", not synced")}{(Problem is null ? string.Empty : ", " + Problem)}";

    /// <summary>An empty view that etcd has not yet confirmed.</summary>
    internal static ServiceView NotSynced(string service, string? problem) => new(service, [], false, 0, null, problem);
}
