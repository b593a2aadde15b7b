using Discovery.Etcd;
using Discovery.Etcd.Records;
using Discovery.Hosting.Leasing;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Watches the service's records and asks the lease keeper to write ours again when one is missing or differs
/// (someone ran <c>etcdctl del</c>, or another process overwrote the key).
/// </summary>
/// <remarks>
/// After etcd lost its data the watcher keeps missing entries for a grace period, so this cannot see a wipe: the
/// keeper's keep-alive (TTL 0) covers that. Views older than our last write, unsynced views and views with a
/// problem are ignored, so a stale view cannot cause a rewrite. Records withdrawn on purpose (a withdrawal reason
/// holds, even while the keeper's delete is still under way) and records the keeper is about to update
/// (a new weight) are never written back from here. The watcher only wakes subscribers when the
/// endpoints change, so a delete that lands together with our own write (one watch response holding both) changes
/// nothing it would report: the current view is therefore also checked on a timer.
/// </remarks>
internal sealed partial class OwnRecordsMonitor : IDisposable
{
    private readonly IServiceWatch _watch;
    private readonly IReadOnlyList<string> _addresses;
    private volatile Func<string, EndpointMetadata> _metadata;
    private readonly LeaseKeeper _keeper;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private readonly ITimer _timer;
    private long _lastReportedRevision = -1;

    public OwnRecordsMonitor(
        IServiceWatch watch,
        IReadOnlyList<string> addresses,
        Func<string, EndpointMetadata> metadata,
        LeaseKeeper keeper,
        ILogger logger,
        TimeProvider timeProvider,
        TimeSpan checkInterval)
    {
        _watch = watch;
        _addresses = addresses;
        _metadata = metadata;
        _keeper = keeper;
        _logger = logger;
        _subscription = watch.Subscribe(Check);
        _timer = timeProvider.CreateTimer(_ => Check(watch.Current), null, checkInterval, checkInterval);
    }

    /// <summary>Compares the view with <paramref name="metadata"/> (per address) from now on (the control record changed the weight).</summary>
    public void UpdateMetadata(Func<string, EndpointMetadata> metadata) => _metadata = metadata;

    public void Dispose()
    {
        _timer.Dispose();
        _subscription.Dispose();
        _watch.Dispose();
    }

    /// <summary>The first own address the view lacks or holds differently, or null when the view matches.</summary>
    internal static string? FindMismatch(ServiceView view, IReadOnlyList<string> addresses, EndpointMetadata metadata) =>
        FindMismatch(view, addresses, _ => metadata);

    /// <summary>The first own address the view lacks or holds differently from its own metadata, or null when the view matches.</summary>
    internal static string? FindMismatch(ServiceView view, IReadOnlyList<string> addresses, Func<string, EndpointMetadata> metadataOf)
    {
        foreach (var address in addresses)
        {
            ServiceInstance? found = null;
            foreach (var endpoint in view.Instances)
            {
                if (string.Equals(endpoint.Address, address, StringComparison.OrdinalIgnoreCase))
                {
                    found = endpoint;
                    break;
                }
            }

            if (found is null || !Matches(found, metadataOf(address)))
            {
                return address;
            }
        }

        return null;
    }

    private static bool Matches(ServiceInstance instance, EndpointMetadata metadata)
    {
        if (instance.Id != (metadata.InstanceId ?? instance.Address)
            || instance.Version != metadata.Version
            || instance.Zone != metadata.Zone
            || instance.Weight != metadata.Weight
            || instance.Metadata.Count != metadata.Properties.Count)
        {
            return false;
        }

        foreach (var (key, value) in metadata.Properties)
        {
            if (!instance.Metadata.TryGetValue(key, out var read) || read != value)
            {
                return false;
            }
        }

        return true;
    }

    private void Check(ServiceView view)
    {
        var status = _keeper.Status;
        if (!view.IsSynced
            || view.Problem is not null
            || status.State != LeaseKeeperState.Registered
            || _keeper.WithdrawalReasons != WithdrawalReasons.None
            || _keeper.UpdatePending
            || view.Revision < status.RecordsRevision)
        {
            return;
        }

        if (FindMismatch(view, _addresses, _metadata) is { } address)
        {
            // The timer sees the same view again until the rewrite lands: log each revision once.
            if (Interlocked.Exchange(ref _lastReportedRevision, view.Revision) != view.Revision)
            {
                Log.RecordChanged(_logger, view.Service, address, view.Revision);
            }

            _keeper.RequestRewrite();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "The record of {Service} at {Address} was deleted or overwritten in etcd (revision {Revision}); writing it again")]
        public static partial void RecordChanged(ILogger logger, string service, string address, long revision);
        
    }
}
