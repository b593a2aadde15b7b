using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>Reads records with their lease, which the harness's string helpers leave out.</summary>
internal static class EtcdRecords
{
    public static async Task<(string Value, long Lease)?> GetAsync(EtcdClient client, string key)
    {
        var response = await client.GetAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8(key) },
            deadline: DateTime.UtcNow + TimeSpan.FromSeconds(2));
        return response.Kvs.Count == 0 ? null : (response.Kvs[0].Value.ToStringUtf8(), response.Kvs[0].Lease);
    }

    public static async Task<bool> ExistsAsync(EtcdClient client, string key) => await GetAsync(client, key) is not null;
}
