using System.Diagnostics.CodeAnalysis;

namespace Discovery.Etcd.Records;

// Decoding, in a file of its own: it builds the public ServiceInstance, so only Discovery.Etcd compiles it, while the
// encoder, the reader and the address rules are shared with Discovery.Hosting and Discovery.Cli.
internal static partial class EndpointRecordCodec
{
    /// <summary>
    /// Decodes one record value. Never throws for bad input: returns false with a reason that can be logged, which
    /// quotes at most the start of any value from the record. Reads a value of any size, in time and memory in
    /// proportion to it (the fuzz tests hold it to that): callers bound the size first, as the watcher does with
    /// <see cref="EtcdOptions.MaxRecordBytes"/>.
    /// </summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> value,
        [NotNullWhen(true)] out ServiceInstance? record,
        [NotNullWhen(false)] out string? reason)
    {
        if (!TryRead(value, out var address, out var host, out var port, out var metadata, out reason))
        {
            record = null;
            return false;
        }

        record = new ServiceInstance(
            address, host, port, metadata.InstanceId, metadata.Version, metadata.Zone, metadata.Weight, metadata.Properties);
        return true;
    }
}
