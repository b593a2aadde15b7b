using Discovery.Etcd;

namespace Discovery.Testing.Fakes;

/// <summary>
/// A service watch whose views the test sets and publishes. Setting <see cref="Current"/> publishes nothing, as the real
/// watcher publishes only changes; <see cref="Publish"/> sets it and tells every subscriber.
/// </summary>
internal sealed class FakeServiceWatcher(string service) : IServiceWatch
{
    private readonly Lock _gate = new();
    private readonly List<Action<ServiceView>> _listeners = [];
    private ServiceView _current = new(service, [], false, 0, null, null);
    private int _disposals;

    public string Service => service;

    public ServiceView Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }

        set
        {
            lock (_gate)
            {
                _current = value;
            }
        }
    }

    /// <summary>How many times the watch was disposed.</summary>
    public int Disposals => Volatile.Read(ref _disposals);

    /// <summary>How many subscriptions are not disposed.</summary>
    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Count;
            }
        }
    }

    public IDisposable Subscribe(Action<ServiceView> listener)
    {
        lock (_gate)
        {
            _listeners.Add(listener);
        }

        return new Subscription(this, listener);
    }

    public void Dispose() => Interlocked.Increment(ref _disposals);

    /// <summary>Makes <paramref name="view"/> current and calls every listener with it, on the caller's thread.</summary>
    public void Publish(ServiceView view)
    {
        Action<ServiceView>[] listeners;
        lock (_gate)
        {
            _current = view;
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(view);
        }
    }

    /// <summary>Publishes a synced view of loopback instances (version v1, weight 7, zone z).</summary>
    public void PublishSynced(params (string Id, int Port)[] instances) =>
        Publish(new ServiceView(
            Service,
            [.. instances.Select(i => new ServiceInstance($"127.0.0.1:{i.Port}", i.Id, "v1", "z", 7, null))],
            true,
            10,
            DateTimeOffset.UnixEpoch,
            null));

    private sealed class Subscription(FakeServiceWatcher owner, Action<ServiceView> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._listeners.Remove(listener);
            }
        }
    }
}
