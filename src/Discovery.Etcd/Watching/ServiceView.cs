using Discovery.Etcd.Records;

namespace Discovery.Etcd.Watching;

/// <summary>An immutable snapshot of one service's endpoints as last confirmed by etcd.</summary>
/// <param name="Service">The service name.</param>
/// <param name="Endpoints">The endpoints, one per distinct address, ordered by address.</param>
/// <param name="IsSynced">True once etcd has listed the service at least once.</param>
/// <param name="Revision">The etcd revision the view reflects (0 before the first listing).</param>
/// <param name="ConfirmedAt">When etcd last confirmed the view (a list, an event or a progress reply).</param>
/// <param name="Problem">Why the view may be stale or missing (etcd unreachable, …), or null when healthy.</param>
internal sealed record ServiceView(
    string Service,
    IReadOnlyList<EndpointRecord> Endpoints,
    bool IsSynced,
    long Revision,
    DateTimeOffset ConfirmedAt,
    string? Problem)
{
    /// <summary>An empty view that etcd has not yet confirmed.</summary>
    public static ServiceView NotSynced(string service, string? problem) =>
        new(service, [], false, 0, DateTimeOffset.MinValue, problem);

    /// <summary>Time since etcd last confirmed this view; <see cref="TimeSpan.MaxValue"/> before the first listing.</summary>
    public TimeSpan AgeAt(DateTimeOffset now) => IsSynced ? now - ConfirmedAt : TimeSpan.MaxValue;
}
