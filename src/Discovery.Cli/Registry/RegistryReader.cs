using Discovery.Cli.Connection;
using Discovery.Etcd;
using Discovery.Etcd.Records;
using Discovery.Hosting.Control;

namespace Discovery.Cli.Registry;

/// <summary>
/// Reads the registry as <c>list</c> and <c>watch</c> show it: the instances clients see (the library's
/// <see cref="IServiceCatalog"/>), joined with the leases of their keys and the state their status records report.
/// </summary>
internal sealed class RegistryReader(RegistryConnection connection)
{
    private readonly EtcdReads _etcd = new(connection);

    /// <summary>Every service with a record or a live status record under the key prefix, by name.</summary>
    public async Task<IReadOnlyList<string>> ListServiceNamesAsync(CancellationToken cancellationToken)
    {
        var prefix = connection.KeyPrefix;
        var keys = await _etcd.RangePrefixAsync(prefix, keysOnly: true, cancellationToken).ConfigureAwait(false);
        var statusPrefix = RegistryKeys.StatusPrefix(prefix);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var kv in keys.Kvs)
        {
            var key = EtcdReads.KeyOf(kv);
            if (RegistryKeys.TrySplitEndpointKey(key, prefix, out var service, out _)
                || RegistryKeys.TrySplitInstanceKey(key, statusPrefix, out service, out _))
            {
                names.Add(service);
            }
        }

        return [.. names];
    }

    /// <summary>Reads a service once: waits for the catalog's first listing, then joins leases and status records.</summary>
    public async Task<IReadOnlyList<InstanceRow>> ReadServiceAsync(string service, CancellationToken cancellationToken)
    {
        using var watch = connection.Catalog.Watch(service);
        var view = await WaitForViewAsync(watch, cancellationToken).ConfigureAwait(false);
        return await JoinAsync(view, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first synced view of <paramref name="watch"/>, or etcd counted unreachable after the request timeout.</summary>
    public async Task<ServiceView> WaitForViewAsync(IServiceWatch watch, CancellationToken cancellationToken)
    {
        // One read first: the watch retries every failure quietly, while a read fails at once with etcd's reason
        // (unreachable, authentication, TLS, permission), which becomes the exit code.
        await _etcd.RangePrefixAsync(ServiceKeys.ServicePrefix(connection.KeyPrefix, watch.Service), keysOnly: true, cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(connection.RequestTimeout + connection.Options.ConnectTimeout);
        try
        {
            return await watch.WaitForSyncAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(
                ExitCodes.EtcdUnreachable,
                $"etcd is unreachable at {string.Join(',', connection.Options.Endpoints)}: no listing of '{watch.Service}' " +
                $"within {(connection.RequestTimeout + connection.Options.ConnectTimeout).TotalSeconds:0} s ({watch.Current.Problem ?? "no answer"}).");
        }
    }

    /// <summary>The rows of <paramref name="view"/>, with leases and status records read from etcd now.</summary>
    public async Task<IReadOnlyList<InstanceRow>> JoinAsync(ServiceView view, CancellationToken cancellationToken)
    {
        var prefix = connection.KeyPrefix;
        var servicePrefix = ServiceKeys.ServicePrefix(prefix, view.Service);
        var records = _etcd.RangePrefixAsync(servicePrefix, keysOnly: false, cancellationToken);
        var statuses = _etcd.RangePrefixAsync(RegistryKeys.StatusPrefix(prefix, view.Service), keysOnly: false, cancellationToken);

        // The lease of each address's key, read as the watcher reads records.
        var leaseOfAddress = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kv in (await records.ConfigureAwait(false)).Kvs)
        {
            if (ServiceKeys.IsDirectChild(EtcdReads.KeyOf(kv), servicePrefix)
                && EndpointRecordCodec.TryRead(kv.Value.Span, out var address, out _, out _, out _, out _))
            {
                leaseOfAddress[address] = kv.Lease;
            }
        }

        var statusOfId = new Dictionary<string, (StatusRecord Status, long Lease)>(StringComparer.Ordinal);
        var statusPrefix = RegistryKeys.StatusPrefix(prefix, view.Service);
        foreach (var kv in (await statuses.ConfigureAwait(false)).Kvs)
        {
            var key = EtcdReads.KeyOf(kv);
            if (key.LastIndexOf('/') == statusPrefix.Length - 1 && StatusRecordReader.TryRead(kv.Value.Span, out var status))
            {
                statusOfId[key[statusPrefix.Length..]] = (status, kv.Lease);
            }
        }

        var rows = new List<InstanceRow>();
        foreach (var instance in view.Instances)
        {
            var hasStatus = statusOfId.TryGetValue(instance.Id, out var status);
            var state = hasStatus ? InstanceStates.FromStatus(status.Status.State) : InstanceStates.Serving;
            long? lease = leaseOfAddress.TryGetValue(instance.Address, out var l) ? l : null;
            rows.Add(new InstanceRow(
                instance.Id, instance.Address, instance.Version, instance.Zone, instance.Weight, state,
                lease, null, hasStatus ? status.Status.InFlight : null, instance.Metadata));
        }

        // Instances held out of etcd (paused, draining, withdrawn) are known only from their status records.
        foreach (var (id, (status, lease)) in statusOfId)
        {
            if (!rows.Exists(r => r.Id == id))
            {
                rows.Add(new InstanceRow(
                    id, null, null, null, status.Weight, InstanceStates.FromStatus(status.State),
                    lease, null, status.InFlight, new Dictionary<string, string>()));
            }
        }

        var ttls = new Dictionary<long, long>();
        foreach (var leaseId in rows.Select(r => r.LeaseId ?? 0).Where(id => id != 0).Distinct())
        {
            ttls[leaseId] = await _etcd.LeaseTtlAsync(leaseId, cancellationToken).ConfigureAwait(false);
        }

        return [.. rows
            .Select(r => r.LeaseId is { } id && ttls.TryGetValue(id, out var ttl) ? r with { LeaseTtlSeconds = ttl } : r)
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ThenBy(r => r.Address, StringComparer.Ordinal)];
    }
}
