using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Testing;

/// <summary>Short helpers to arrange and inspect etcd data in tests; each call has a 5 s deadline.</summary>
/// <remarks>
/// <c>client.PutAsync("k", "v")</c> binds to dotnet-etcd's own instance method (no deadline); pass the lease
/// (<c>client.PutAsync("k", "v", 0L)</c>) or call <see cref="PutAsync"/> statically to get this one.
/// </remarks>
public static class EtcdClientTestExtensions
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    /// <summary>Puts a key, optionally attached to a lease.</summary>
    public static async Task PutAsync(this EtcdClient c, string key, string value, long lease = 0)
    {
        ArgumentNullException.ThrowIfNull(c);
        var request = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value), Lease = lease };
        await c.PutAsync(request, deadline: NewDeadline()).ConfigureAwait(false);
    }

    /// <summary>Deletes one key.</summary>
    public static async Task DeleteKeyAsync(this EtcdClient c, string key)
    {
        ArgumentNullException.ThrowIfNull(c);
        await c.DeleteAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) }, deadline: NewDeadline()).ConfigureAwait(false);
    }

    /// <summary>Every key under <paramref name="prefix"/> with its value.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> GetPrefixAsync(this EtcdClient c, string prefix)
    {
        ArgumentNullException.ThrowIfNull(c);
        var request = new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(prefix),
            RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(prefix)),
        };
        var response = await c.GetAsync(request, deadline: NewDeadline()).ConfigureAwait(false);
        return response.Kvs.ToDictionary(kv => kv.Key.ToStringUtf8(), kv => kv.Value.ToStringUtf8(), StringComparer.Ordinal);
    }

    /// <summary>The store's current revision.</summary>
    public static async Task<long> CurrentRevisionAsync(this EtcdClient c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var response = await c.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("\0"), CountOnly = true }, deadline: NewDeadline()).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <summary>Compacts history up to <paramref name="revision"/> and waits until it is physically applied.</summary>
    public static async Task CompactAsync(this EtcdClient c, long revision)
    {
        ArgumentNullException.ThrowIfNull(c);
        await c.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, deadline: NewDeadline()).ConfigureAwait(false);
    }

    private static DateTime NewDeadline() => DateTime.UtcNow + Deadline;
}
