using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Connection;

/// <summary>
/// Hands out one <see cref="EtcdConnection"/> per distinct set of <see cref="EtcdOptions"/>, so every watcher and
/// lease keeper of the process shares one channel per etcd cluster. Registered as a DI singleton.
/// </summary>
internal sealed class EtcdConnectionProvider : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<EtcdConnection>> _connections = new(StringComparer.Ordinal);
    private readonly ILoggerFactory _loggerFactory;

    public EtcdConnectionProvider(ILoggerFactory loggerFactory) => _loggerFactory = loggerFactory;

    public EtcdConnection GetConnection(EtcdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _connections.GetOrAdd(
            Identity(options),
            _ => new Lazy<EtcdConnection>(() => new EtcdConnection(options, _loggerFactory))).Value;
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.IsValueCreated)
            {
                connection.Value.Dispose();
            }
        }

        _connections.Clear();
    }

    private static string Identity(EtcdOptions options) => string.Join(
        '\n',
        string.Join(',', options.Endpoints),
        options.Username,
        options.Password,
        options.Tls.CaFile,
        options.Tls.CertFile,
        options.Tls.KeyFile,
        options.KeyPrefix,
        options.ConnectTimeout.Ticks.ToString(CultureInfo.InvariantCulture),
        options.RequestTimeout.Ticks.ToString(CultureInfo.InvariantCulture),
        options.KeepAliveInterval.Ticks.ToString(CultureInfo.InvariantCulture),
        options.DataLossGracePeriod.Ticks.ToString(CultureInfo.InvariantCulture));
}
