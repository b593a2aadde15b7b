using Discovery.Etcd.Watching;

namespace Discovery.Hosting.Tests.Registration;

/// <summary>A watcher whose view the test sets; it publishes only when asked to, as the real one only publishes changes.</summary>
internal sealed class FakeServiceWatcher(string service) : IServiceWatcher
{
    private readonly List<Action<ServiceView>> _listeners = [];

    public string Service => service;

    public ServiceView Current { get; set; } = ServiceView.NotSynced(service, null);

    public void Publish(ServiceView view)
    {
        Current = view;
        foreach (var listener in _listeners.ToArray())
        {
            listener(view);
        }
    }

    public IDisposable Subscribe(Action<ServiceView> listener)
    {
        _listeners.Add(listener);
        return new Unsubscriber(() => _listeners.Remove(listener));
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
