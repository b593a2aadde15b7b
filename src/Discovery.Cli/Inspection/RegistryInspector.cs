using Discovery.Cli.Connection;
using Discovery.Cli.Registry;

namespace Discovery.Cli.Inspection;

/// <summary>Reads every record under the key prefix (or one service's) and flags what is wrong with them.</summary>
internal sealed class RegistryInspector(RegistryConnection connection)
{
    private readonly EtcdReads _etcd = new(connection);

    public async Task<(int RecordsChecked, IReadOnlyList<Finding> Findings)> InspectAsync(string? service, CancellationToken cancellationToken)
    {
        var prefix = connection.KeyPrefix;
        var all = await _etcd.RangePrefixAsync(prefix, keysOnly: false, cancellationToken).ConfigureAwait(false);
        var controlPrefix = RegistryKeys.ControlPrefix(prefix);
        var findings = new List<Finding>();
        var decoded = new List<InspectedRecord>();
        var services = new SortedSet<string>(StringComparer.Ordinal);
        var checkedCount = 0;
        foreach (var kv in all.Kvs)
        {
            var key = EtcdReads.KeyOf(kv);
            if (RegistryKeys.TrySplitInstanceKey(key, controlPrefix, out var controlled, out _))
            {
                if (service is null || service == controlled)
                {
                    checkedCount++;
                    RecordChecks.CheckControl(controlled, key, kv.Value.Span, findings);
                }

                continue;
            }

            if (!RegistryKeys.TrySplitEndpointKey(key, prefix, out var owner, out _))
            {
                continue;
            }

            services.Add(owner);
            if (service is not null && service != owner)
            {
                continue;
            }

            checkedCount++;
            if (RecordChecks.CheckEndpoint(owner, key, kv.Value.Span, kv.Lease, connection.Options.MaxRecordBytes, findings) is { } record)
            {
                decoded.Add(record);
            }
        }

        CrossRecordChecks.DuplicateIds(decoded, findings);
        CrossRecordChecks.DuplicateAddresses(decoded, findings);
        CrossRecordChecks.OverlappingNames([.. services], prefix, service, findings);
        return (checkedCount, findings);
    }
}
