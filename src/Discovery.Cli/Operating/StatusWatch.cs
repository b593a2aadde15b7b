using Discovery.Cli.Connection;
using Discovery.Cli.Registry;
using Discovery.Etcd.Records;
using Discovery.Hosting.Control;

namespace Discovery.Cli.Operating;

/// <summary>Reads an instance's status record (written by the instance under its lease) until it says what is awaited.</summary>
internal sealed class StatusWatch(RegistryConnection connection, string service, string instanceId)
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(200);
    private readonly EtcdReads _etcd = new(connection);

    /// <summary>The instance's status now, or null when it writes none (not running, or not a Discovery.Hosting server).</summary>
    public async Task<StatusRecord?> ReadAsync(CancellationToken cancellationToken)
    {
        var kv = await _etcd.GetAsync(ServiceKeys.StatusKey(connection.KeyPrefix, service, instanceId), cancellationToken).ConfigureAwait(false);
        return kv is not null && StatusRecordReader.TryRead(kv.Value.Span, out var status) ? status : null;
    }

    /// <summary>
    /// Polls until <paramref name="reached"/> holds, calling <paramref name="progress"/> with each status read;
    /// returns the last status read and whether it reached the condition before <paramref name="timeout"/>.
    /// </summary>
    public async Task<(StatusRecord? Last, bool Reached)> WaitAsync(
        Func<StatusRecord, bool> reached, TimeSpan timeout, Action<StatusRecord?>? progress, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        StatusRecord? last = null;
        while (true)
        {
            last = await ReadAsync(cancellationToken).ConfigureAwait(false);
            progress?.Invoke(last);
            if (last is { } status && reached(status))
            {
                return (last, true);
            }

            if (TimeProvider.System.GetTimestamp() >= deadline)
            {
                return (last, false);
            }

            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
