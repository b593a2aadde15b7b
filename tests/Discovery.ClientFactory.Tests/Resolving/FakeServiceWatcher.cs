using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;

namespace Discovery.ClientFactory.Tests.Resolving;

/// <summary>A watcher whose views the test publishes.</summary>
internal sealed class FakeServiceWatcher(string service) : IServiceWatcher
{
    private readonly List<Action<ServiceView>> _listeners = [];

    public string Service { get; } = service;

    public ServiceView Current { get; private set; } = ServiceView.NotSynced(service, null);

    public int Subscribers => _listeners.Count;

    public IDisposable Subscribe(Action<ServiceView> listener)
    {
        _listeners.Add(listener);
        return new Unsubscribe(() => _listeners.Remove(listener));
    }

    public void Publish(ServiceView view)
    {
        Current = view;
        foreach (var listener in _listeners.ToList())
        {
            listener(view);
        }
    }

    public void PublishSynced(params (string Id, int Port)[] instances) =>
        Publish(new ServiceView(
            Service,
            [.. instances.Select(i => new EndpointRecord($"127.0.0.1:{i.Port}", "127.0.0.1", i.Port, new EndpointMetadata(i.Id, "v1", 7, "z", null)))],
            true,
            10,
            DateTimeOffset.UnixEpoch,
            null));

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
