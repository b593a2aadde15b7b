using Discovery.Cli.Connection;
using Discovery.Cli.Registry;
using Discovery.Etcd.Records;
using Discovery.Hosting.Control;

namespace Discovery.Cli.Operating;

/// <summary>
/// Writes an instance's control record (<c>_discovery/control/{service}/{id}</c>, under no lease), changing only
/// what the command asks: a pause keeps the weight set before, a weight keeps the state.
/// </summary>
internal sealed class ControlWriter(RegistryConnection connection)
{
    private readonly EtcdReads _etcd = new(connection);

    public async Task<ControlRecord> ApplyAsync(
        string service, string instanceId, Func<ControlRecord, ControlRecord> change, CancellationToken cancellationToken)
    {
        var key = ServiceKeys.ControlKey(connection.KeyPrefix, service, instanceId);
        var current = ControlRecord.Default;
        if (await _etcd.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } existing
            && ControlRecord.TryDecode(existing.Value.Span, out var decoded, out _))
        {
            current = decoded;
        }

        var next = change(current);
        await _etcd.PutAsync(key, next.Encode(), cancellationToken).ConfigureAwait(false);
        return next;
    }
}
