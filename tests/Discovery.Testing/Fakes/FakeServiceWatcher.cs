using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;

namespace Discovery.Testing.Fakes;

/// <summary>
/// A watcher whose views the test sets and publishes. Setting <see cref="Current"/> publishes nothing, as the real
/// watcher publishes only changes; <see cref="Publish"/> sets it and tells every subscriber.
/// </summary>
internal sealed class FakeServiceWatcher(string service) : IServiceWatcher
{
    private readonly Lock _gate = new();
    private readonly List<Action<ServiceView>> _listeners = [];
    private ServiceView _current = ServiceView.NotSynced(service, null);

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
            [.. instances.Select(i => new EndpointRecord($"127.0.0.1:{i.Port}", "127.0.0.1", i.Port, new EndpointMetadata(i.Id, "v1", 7, "z", null)))],
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
