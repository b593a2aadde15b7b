namespace Discovery.Cli.Inspection;

/// <summary>The checks across records: ids and addresses claimed twice, service names that overlap.</summary>
internal static class CrossRecordChecks
{
    /// <summary>One id on records of different leases (one process on two addresses shares one lease).</summary>
    public static void DuplicateIds(IEnumerable<InspectedRecord> records, List<Finding> findings)
    {
        foreach (var group in records.GroupBy(r => (r.Service, r.Id)))
        {
            var leases = group.Select(r => r.Lease).Distinct().Count();
            if (leases > 1)
            {
                var keys = group.Select(r => r.Key).Order(StringComparer.Ordinal).ToArray();
                findings.Add(new Finding(FindingKinds.DuplicateInstanceId, group.Key.Service, keys[0],
                    $"Instance id '{group.Key.Id}' is on {keys.Length} records of {leases} different leases ({string.Join(", ", keys)}): " +
                    "two processes claim one id, and pinned calls, pause and drain reach only one of them."));
            }
        }
    }

    /// <summary>One address under two keys of one service.</summary>
    public static void DuplicateAddresses(IEnumerable<InspectedRecord> records, List<Finding> findings)
    {
        foreach (var group in records.GroupBy(r => (r.Service, r.Address)))
        {
            var keys = group.Select(r => r.Key).Order(StringComparer.Ordinal).ToArray();
            if (keys.Length > 1)
            {
                findings.Add(new Finding(FindingKinds.DuplicateAddress, group.Key.Service, keys[0],
                    $"Address {group.Key.Address} is under {keys.Length} keys ({string.Join(", ", keys)}): clients see one " +
                    "instance, and it stays while any of the keys does."));
            }
        }
    }

    /// <summary>Service names that are the start of another's (<c>echo</c> and <c>echo-v2</c>, <c>prod</c> and <c>prod/echo</c>).</summary>
    public static void OverlappingNames(IReadOnlyList<string> services, string keyPrefix, string? only, List<Finding> findings)
    {
        foreach (var shorter in services)
        {
            foreach (var longer in services)
            {
                if (longer.Length > shorter.Length
                    && longer.StartsWith(shorter, StringComparison.Ordinal)
                    && (only is null || only == shorter || only == longer))
                {
                    findings.Add(new Finding(FindingKinds.ServiceNamePrefix, shorter, keyPrefix + longer + "/",
                        $"Service '{shorter}' is the start of service '{longer}': a client that reads '{keyPrefix}{shorter}' " +
                        $"without a trailing '/' (etcd 3.4's older Go resolver, etcdctl get --prefix) also reads the records of '{longer}' (etcd issue 15022)."));
                }
            }
        }
    }
}
