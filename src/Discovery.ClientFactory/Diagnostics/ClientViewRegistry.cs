using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;
using Discovery.Etcd;

namespace Discovery.ClientFactory.Diagnostics;

/// <summary>
/// The services this process's clients currently watch, for the view-age metric and the health check. Publishes
/// <c>discovery.client.view.age</c> (seconds since etcd last confirmed a service's view; absent before the first
/// confirmation) and <c>discovery.client.instance.count</c>, both tagged with <c>discovery.service</c>.
/// </summary>
internal sealed class ClientViewRegistry
{
    public const string ViewAgeName = "discovery.client.view.age";
    public const string InstanceCountName = "discovery.client.instance.count";

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (IServiceWatch Watcher, int Count)> _watchers = new(StringComparer.Ordinal);

    public ClientViewRegistry(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        var meter = meterFactory.Create(DiscoveryMeter.Name);
        meter.CreateObservableGauge(
            ViewAgeName,
            ObserveAges,
            unit: "s",
            description: "Time since etcd last confirmed the instances a client balances over.");
        meter.CreateObservableGauge(
            InstanceCountName,
            ObserveInstances,
            unit: "{instance}",
            description: "Instances in the view a client balances over, before its version and zone filters.");
    }

    public IDisposable Track(IServiceWatch watcher)
    {
        lock (_lock)
        {
            _watchers[watcher.Service] = _watchers.TryGetValue(watcher.Service, out var tracked)
                ? (watcher, tracked.Count + 1)
                : (watcher, 1);
        }

        return new Tracking(this, watcher.Service);
    }

    /// <summary>The current view of <paramref name="service"/>, or null when no channel watches it yet.</summary>
    public ServiceView? ViewOf(string service)
    {
        lock (_lock)
        {
            return _watchers.TryGetValue(service, out var tracked) ? tracked.Watcher.Current : null;
        }
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    private IEnumerable<Measurement<double>> ObserveAges()
    {
        var now = _time.GetUtcNow();
        foreach (var view in Views())
        {
            if (view.IsSynced)
            {
                yield return new Measurement<double>(view.AgeAt(now).TotalSeconds, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, view.Service));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveInstances()
    {
        foreach (var view in Views())
        {
            yield return new Measurement<int>(view.Instances.Count, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, view.Service));
        }
    }

    private List<ServiceView> Views()
    {
        lock (_lock)
        {
            return [.. _watchers.Values.Select(t => t.Watcher.Current)];
        }
    }

    private void Release(string service)
    {
        lock (_lock)
        {
            if (_watchers.TryGetValue(service, out var tracked))
            {
                if (tracked.Count <= 1)
                {
                    _watchers.Remove(service);
                }
                else
                {
                    _watchers[service] = (tracked.Watcher, tracked.Count - 1);
                }
            }
        }
    }

    private sealed class Tracking(ClientViewRegistry registry, string service) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registry.Release(service);
            }
        }
    }
}
