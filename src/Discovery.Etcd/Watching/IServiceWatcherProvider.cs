namespace Discovery.Etcd.Watching;

/// <summary>
/// Shares one <see cref="IServiceWatcher"/> per (etcd connection, service) across the process. Registered as a DI
/// singleton by <c>AddDiscoveryEtcd</c>.
/// </summary>
internal interface IServiceWatcherProvider
{
    /// <summary>
    /// Returns a reference to the watcher of <paramref name="service"/> on the etcd that <paramref name="options"/>
    /// describe, starting it on first use. Disposing the last reference stops the watcher.
    /// </summary>
    ServiceWatcherReference Watch(EtcdOptions options, string service);
}

/// <summary>A counted reference to a shared watcher; dispose it once to release.</summary>
internal sealed class ServiceWatcherReference : IDisposable
{
    private Action? _release;

    public ServiceWatcherReference(IServiceWatcher watcher, Action release)
    {
        Watcher = watcher;
        _release = release;
    }

    /// <summary>The shared watcher.</summary>
    public IServiceWatcher Watcher { get; }

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
