using System.Text;
using Discovery.Cli.Connection;
using Discovery.Etcd.Connection;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Mvccpb;

namespace Discovery.Cli.Registry;

/// <summary>The raw etcd reads and writes of the tool, each failure classified into an exit code.</summary>
internal sealed class EtcdReads(RegistryConnection connection)
{
    /// <summary>Every key (and value, unless <paramref name="keysOnly"/>) under <paramref name="prefix"/>.</summary>
    public async Task<RangeResponse> RangePrefixAsync(string prefix, bool keysOnly, CancellationToken cancellationToken)
    {
        // etcd reads key "\0" to range end "\0" as every key: the empty prefix.
        var key = prefix.Length == 0 ? ByteString.CopyFrom([0]) : ByteString.CopyFromUtf8(prefix);
        var end = prefix.Length == 0 ? ByteString.CopyFrom([0]) : PrefixEnd(key);
        var request = new RangeRequest { Key = key, RangeEnd = end, KeysOnly = keysOnly };
        return await CallAsync(c => c.Etcd.KV.RangeAsync(request, c.Etcd.UnaryOptions(cancellationToken)).ResponseAsync, ("range read", prefix, "read")).ConfigureAwait(false);
    }

    /// <summary>The value of one key, or null when it does not exist.</summary>
    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var request = new RangeRequest { Key = ByteString.CopyFromUtf8(key) };
        var response = await CallAsync(c => c.Etcd.KV.RangeAsync(request, c.Etcd.UnaryOptions(cancellationToken)).ResponseAsync, ("read", key, "read")).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : response.Kvs[0];
    }

    public async Task PutAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        var request = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value) };
        await CallAsync(c => c.Etcd.KV.PutAsync(request, c.Etcd.UnaryOptions(cancellationToken)).ResponseAsync, ("put", key, "write")).ConfigureAwait(false);
    }

    /// <summary>The remaining seconds of a lease, or -1 when it no longer exists.</summary>
    public async Task<long> LeaseTtlAsync(long leaseId, CancellationToken cancellationToken)
    {
        var request = new LeaseTimeToLiveRequest { ID = leaseId };
        var response = await CallAsync(c => c.Etcd.Lease.LeaseTimeToLiveAsync(request, c.Etcd.UnaryOptions(cancellationToken)).ResponseAsync, denied: null).ConfigureAwait(false);
        return response.TTL;
    }

    /// <param name="call">The call.</param>
    /// <param name="denied">What the call asks, to name in a denial (<see cref="EtcdCallErrors.PermissionDenied"/>).</param>
    private async Task<T> CallAsync<T>(Func<RegistryConnection, Task<T>> call, (string Operation, string Key, string Permission)? denied)
    {
        try
        {
            return await call(connection).ConfigureAwait(false);
        }
        catch (RpcException ex) when (denied is { } asked && EtcdCallErrors.IsPermissionDenied(ex))
        {
            throw EtcdFailures.Classify(
                EtcdCallErrors.PermissionDenied(ex, asked.Operation, asked.Key, asked.Permission, connection.Options.Username),
                string.Join(',', connection.Options.Endpoints));
        }
        catch (RpcException ex)
        {
            throw EtcdFailures.Classify(ex, string.Join(',', connection.Options.Endpoints));
        }
    }

    private static ByteString PrefixEnd(ByteString prefix)
    {
        var end = prefix.ToByteArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return ByteString.CopyFrom(end, 0, i + 1);
            }
        }

        // All 0xff: the range ends at the end of the key space.
        return ByteString.CopyFrom([0]);
    }

    public static string KeyOf(KeyValue kv) => kv.Key.ToStringUtf8();

    public static string Shown(ByteString value, int max = 80)
    {
        var text = Encoding.UTF8.GetString(value.Span[..Math.Min(value.Length, max)]);
        return value.Length > max ? text + "…" : text;
    }
}
