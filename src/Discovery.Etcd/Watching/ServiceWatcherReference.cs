namespace Discovery.Etcd.Watching;

/// <summary>A reader's counted reference to a shared watcher; disposing it once releases it.</summary>
internal sealed class ServiceWatcherReference : IServiceWatch
{
    private Action? _release;

    public ServiceWatcherReference(IServiceWatcher watcher, Action release)
    {
        Watcher = watcher;
        _release = release;
    }

    /// <summary>The shared watcher.</summary>
    public IServiceWatcher Watcher { get; }

    public string Service => Watcher.Service;

    public ServiceView Current => Watcher.Current;

    public IDisposable Subscribe(Action<ServiceView> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _release) is null, this);
        return Watcher.Subscribe(listener);
    }

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
