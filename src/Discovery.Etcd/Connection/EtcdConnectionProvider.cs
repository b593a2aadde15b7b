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
    private readonly TimeProvider _time;
    private volatile bool _disposed;

    public EtcdConnectionProvider(ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        _loggerFactory = loggerFactory;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The connection for <paramref name="options"/>, made on first use and shared by equal options.</summary>
    public EtcdConnection GetConnection(EtcdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var identity = Identity(options);
        var entry = _connections.GetOrAdd(
            identity,
            _ => new Lazy<EtcdConnection>(() => new EtcdConnection(options, _loggerFactory, _time)));
        try
        {
            return entry.Value;
        }
        catch
        {
            // A certificate file that could not be read must not stay cached as a failure: the next call tries again.
            _connections.TryRemove(new KeyValuePair<string, Lazy<EtcdConnection>>(identity, entry));
            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var connection in _connections.Values)
        {
            if (connection.IsValueCreated)
            {
                connection.Value.Dispose();
            }
        }

        _connections.Clear();
    }

    // Held in memory only (it holds the password): never logged.
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
        options.DataLossGracePeriod.Ticks.ToString(CultureInfo.InvariantCulture),
        options.MaxRecordBytes.ToString(CultureInfo.InvariantCulture));
}
