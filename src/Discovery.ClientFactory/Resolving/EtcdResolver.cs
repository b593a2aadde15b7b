using Discovery.ClientFactory.Diagnostics;
using Discovery.Etcd.Watching;
using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Resolving;

/// <summary>
/// The <c>etcd:///{service}</c> resolver of one channel: pushes the shared watcher's view (every instance's address
/// with its metadata as attributes) to the channel on every change, and again on every <see cref="Refresh"/>.
/// Before etcd ever answered it reports an Unavailable error naming the problem, so calls fail fast instead of
/// hanging; once it had a view, a view etcd has not confirmed never replaces it.
/// </summary>
internal sealed class EtcdResolver : Resolver
{
    private readonly ServiceWatcherReference _reference;
    private readonly ClientViewRegistry _registry;
    private readonly Lock _cacheLock = new();
    private Action<ResolverResult>? _listener;
    private IDisposable? _subscription;
    private IDisposable? _tracking;
    private ServiceView? _cachedView;
    private ResolverResult? _cachedResult;
    private ResolverResult? _lastSynced;

    public EtcdResolver(ServiceWatcherReference reference, ClientViewRegistry registry)
    {
        _reference = reference;
        _registry = registry;
    }

    private IServiceWatcher Watcher => _reference.Watcher;

    public override void Start(Action<ResolverResult> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (Interlocked.CompareExchange(ref _listener, listener, null) is not null)
        {
            throw new InvalidOperationException("The resolver was already started.");
        }

        _tracking = _registry.Track(Watcher);
        _subscription = Watcher.Subscribe(_ => Push());
        Push();
    }

    public override void Refresh() => Push();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription?.Dispose();
            _tracking?.Dispose();
            _reference.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Reports the watcher's current view. Pushes from the watcher and from the channel can interleave; each pusher
    /// checks afterwards that the view it pushed is still current and pushes again otherwise, so the last report is
    /// never stale. The listener takes the channel's lock, so none of ours is held while calling it.
    /// </summary>
    private void Push()
    {
        var listener = _listener;
        if (listener is null)
        {
            return;
        }

        while (true)
        {
            var view = Watcher.Current;
            listener(ResultFor(view));
            if (ReferenceEquals(Watcher.Current, view))
            {
                return;
            }
        }
    }

    private ResolverResult ResultFor(ServiceView view)
    {
        lock (_cacheLock)
        {
            if (ReferenceEquals(view, _cachedView) && _cachedResult is not null)
            {
                return _cachedResult;
            }

            ResolverResult result;
            if (view.IsSynced)
            {
                result = ResolverResult.ForResult([.. view.Endpoints.Select(EtcdAddressAttributes.ToAddress)]);
                _lastSynced = result;
            }
            else
            {
                result = _lastSynced ?? ResolverResult.ForFailure(new Status(
                    StatusCode.Unavailable,
                    $"etcd has been unreachable since the client started{(view.Problem is null ? string.Empty : $" ({view.Problem})")}"));
            }

            _cachedView = view;
            _cachedResult = result;
            return result;
        }
    }
}
