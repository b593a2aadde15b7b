using System.Diagnostics.Metrics;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Watching;

/// <summary>
/// Shares one <see cref="PrefixWatcher"/> per (etcd connection, service): the first reference starts it, the
/// last one released stops it. Stopping is asynchronous; the provider owns the stopping watchers and awaits them
/// when it is disposed.
/// </summary>
internal sealed class ServiceWatcherProvider : IServiceWatcherProvider, IAsyncDisposable, IDisposable
{
    private readonly EtcdConnectionProvider _connections;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly WatchMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<(EtcdConnection Connection, string Service), Shared> _watchers = [];
    private readonly List<Task> _stopping = [];
    private bool _disposed;

    public ServiceWatcherProvider(
        EtcdConnectionProvider connections,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory,
        TimeProvider time)
    {
        _connections = connections;
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

    public ServiceWatcherReference Watch(EtcdOptions options, string service)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (ServiceKeys.ValidateServiceName(service) is { } problem)
        {
            throw new ArgumentException($"The service name {problem}.", nameof(service));
        }

        var connection = _connections.GetConnection(options);
        var key = (connection, service);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_watchers.TryGetValue(key, out var shared))
            {
                var watcher = new PrefixWatcher(connection, service, _metrics, _loggerFactory, _time);
                watcher.Start();
                shared = new Shared(watcher);
                _watchers[key] = shared;
            }

            shared.References++;
            return new ServiceWatcherReference(shared.Watcher, () => Release(key, shared));
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

    private void Release((EtcdConnection, string) key, Shared shared)
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
