using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>
/// "The view equals etcd's range read": the (address, metadata) set of a direct range read of a service, read as a
/// watcher reads it (values over its <see cref="EtcdOptions.MaxRecordBytes"/> skipped).
/// </summary>
internal static class EtcdContents
{
    public static async Task<HashSet<ServiceInstance>> ReadAsync(
        EtcdConnection connection, string service, int maxRecordBytes)
    {
        var prefix = ServiceKeys.ServicePrefix(connection.KeyPrefix, service);
        var end = ByteString.CopyFromUtf8(prefix).ToByteArray();
        end[^1]++;
        var response = await connection.KV.RangeAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = ByteString.CopyFrom(end) },
            connection.UnaryOptions(CancellationToken.None, TimeSpan.FromSeconds(2)));
        var set = new HashSet<ServiceInstance>();
        foreach (var kv in response.Kvs)
        {
            if (ServiceKeys.IsDirectChild(kv.Key.ToStringUtf8(), prefix)
                && kv.Value.Length <= maxRecordBytes
                && EndpointRecordCodec.TryDecode(kv.Value.Span, out var record, out _))
            {
                set.Add(record);
            }
        }

        return set;
    }

    public static HashSet<ServiceInstance> Of(ServiceView view) =>
        [.. view.Instances];

    /// <summary>True when the view holds exactly what etcd holds; a failed read counts as "not yet".</summary>
    public static async Task<bool> ViewEqualsEtcdAsync(EtcdConnection reader, IServiceWatcher watcher, int maxRecordBytes)
    {
        var etcd = await ReadAsync(reader, watcher.Service, maxRecordBytes);
        return Of(watcher.Current).SetEquals(etcd);
    }

    public static string Describe(HashSet<ServiceInstance> view, HashSet<ServiceInstance> etcd)
    {
        var missing = etcd.Except(view).Select(e => e.Address + "@" + e.Version);
        var extra = view.Except(etcd).Select(e => e.Address + "@" + e.Version);
        return $"view {view.Count}, etcd {etcd.Count}; missing from view: [{string.Join(", ", missing)}]; extra in view: [{string.Join(", ", extra)}]";
    }
}
