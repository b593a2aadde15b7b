using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>Writes service records (well-formed or raw bytes) through a connection, under its key prefix.</summary>
internal static class ServiceRecords
{
    public static Task PutAsync(
        EtcdConnection connection,
        string service,
        string address,
        string? name = null,
        string? version = null,
        RecordMetadataFormat format = RecordMetadataFormat.FormString)
    {
        var metadata = new EndpointMetadata(null, version, EndpointMetadata.DefaultWeight, null, null);
        return PutRawAsync(connection, ServiceKeys.ServicePrefix(connection.KeyPrefix, service) + (name ?? address), EndpointRecordCodec.Encode(address, metadata, format));
    }

    public static async Task PutRawAsync(EtcdConnection connection, string key, byte[] value)
    {
        try
        {
            await connection.KV.PutAsync(
                new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value) },
                connection.UnaryOptions(CancellationToken.None));
        }
        catch (RpcException ex)
        {
            // A restarted etcd forgot our auth token: the next call logs in again.
            connection.ReportFailure(ex);
            throw;
        }
    }

    public static async Task DeleteAsync(EtcdConnection connection, string service, string name) =>
        await connection.KV.DeleteRangeAsync(
            new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(ServiceKeys.ServicePrefix(connection.KeyPrefix, service) + name) },
            connection.UnaryOptions(CancellationToken.None));

    public static async Task<long> CurrentRevisionAsync(EtcdConnection connection) =>
        (await connection.KV.RangeAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8("\0"), CountOnly = true },
            connection.UnaryOptions(CancellationToken.None))).Header.Revision;

    public static async Task CompactAsync(EtcdConnection connection, long revision) =>
        await connection.KV.CompactAsync(
            new CompactionRequest { Revision = revision, Physical = true },
            connection.UnaryOptions(CancellationToken.None));
}
