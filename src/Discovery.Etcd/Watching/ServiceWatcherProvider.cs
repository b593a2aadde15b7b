using System.Diagnostics.Metrics;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Discovery.Etcd.Watching;

/// <summary>
/// The <see cref="IServiceCatalog"/>: shares one <see cref="PrefixWatcher"/> per service over the process's etcd
/// connection; the first reference starts it, the last one released stops it. Stopping is asynchronous; the
/// catalog owns the stopping watchers and awaits them when it is disposed. Registered as a DI singleton by
/// <c>AddDiscoveryEtcd</c>.
/// </summary>
internal sealed class ServiceWatcherProvider : IServiceCatalog, IAsyncDisposable, IDisposable
{
    private readonly Lazy<EtcdConnection> _connection;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly WatchMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Shared> _watchers = new(StringComparer.Ordinal);
    private readonly List<Task> _stopping = [];
    private bool _disposed;
    private int _connectionDisposed;

    public ServiceWatcherProvider(
        IOptions<EtcdOptions> options,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory,
        TimeProvider time)
        : this(() => new EtcdConnection(options.Value, loggerFactory, time), loggerFactory, meterFactory, time)
    {
    }

    /// <param name="connect">Makes the connection on first use (reading certificate files then).</param>
    /// <param name="loggerFactory">Logs.</param>
    /// <param name="meterFactory">Meters.</param>
    /// <param name="time">The clock.</param>
    internal ServiceWatcherProvider(
        Func<EtcdConnection> connect,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory,
        TimeProvider time)
    {
        // A connection that failed to be made (a certificate file unreadable) is not cached: the next watch tries again.
        _connection = new Lazy<EtcdConnection>(connect, LazyThreadSafetyMode.PublicationOnly);
        _loggerFactory = loggerFactory;
        _time = time;
        _metrics = new WatchMetrics(meterFactory, time);
    }

    /// <summary>The watchers running now (one per connection and service), for leak checks.</summary>
    internal int ActiveWatchers
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public IServiceWatch Watch(string service)
    {
        if (ServiceKeys.ValidateServiceName(service) is { } problem)
        {
            throw new ArgumentException($"The service name {problem}.", nameof(service));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_watchers.TryGetValue(service, out var shared))
            {
                var watcher = new PrefixWatcher(_connection.Value, service, _metrics, _loggerFactory, _time);
                watcher.Start();
                shared = new Shared(watcher);
                _watchers[service] = shared;
            }

            shared.References++;
            return new ServiceWatcherReference(shared.Watcher, () => Release(service, shared));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] stopping;
        lock (_gate)
        {
            StopAllLocked();
            stopping = [.. _stopping];
        }

        await Task.WhenAll(stopping).ConfigureAwait(false);
        DisposeConnection();
    }

    /// <summary>
    /// Signals every watcher to stop without waiting for it; prefer <see cref="DisposeAsync"/>, which waits.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            StopAllLocked();
        }

        DisposeConnection();
    }

    // The container disposes this object twice (it is registered as itself and as the catalog).
    private void DisposeConnection()
    {
        if (Interlocked.Exchange(ref _connectionDisposed, 1) == 0 && _connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }

    private void StopAllLocked()
    {
        _disposed = true;
        foreach (var shared in _watchers.Values)
        {
            _stopping.Add(shared.Watcher.DisposeAsync().AsTask());
        }

        _watchers.Clear();
    }

    private void Release(string key, Shared shared)
    {
        lock (_gate)
        {
            if (--shared.References > 0 || !_watchers.Remove(key))
            {
                return;
            }
        }

        var stopping = shared.Watcher.DisposeAsync().AsTask();
        lock (_gate)
        {
            _stopping.RemoveAll(t => t.IsCompleted);
            _stopping.Add(stopping);
        }
    }

    private sealed class Shared(PrefixWatcher watcher)
    {
        public PrefixWatcher Watcher { get; } = watcher;

        public int References { get; set; }
    }
}
