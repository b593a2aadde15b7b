using System.Runtime.CompilerServices;
using Discovery.ClientFactory.Diagnostics;
using Discovery.ClientFactory.Tls;
using Discovery.Etcd;
using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Resolving;

/// <summary>
/// The <c>etcd:///{service}</c> resolver of one channel: pushes the shared watcher's view (every instance's address
/// with its metadata as attributes) to the channel on every change, and again on every <see cref="Refresh"/>.
/// Until etcd first answers it reports nothing, so a healthy start never fails a call, but only until the watcher
/// reports a problem (its first listing fails at once when etcd refuses connections) or at most
/// <see cref="FirstAnswerWait"/>; it then reports an Unavailable error naming the problem, so calls fail fast instead
/// of hanging. Once it had a view, a view etcd has not confirmed never replaces it.
/// </summary>
internal sealed class EtcdResolver : Resolver
{
    /// <summary>
    /// The longest a new resolver waits for etcd's first answer before calls fail: longer than a loaded machine needs
    /// to connect and list. An etcd that refuses connections is reported far sooner, by the watcher's own problem;
    /// this bound only matters for an etcd that accepts connections and stays silent.
    /// </summary>
    public static readonly TimeSpan FirstAnswerWait = TimeSpan.FromSeconds(5);

    private static readonly ConditionalWeakTable<ServiceInstance, BalancerAddress>.CreateValueCallback s_toAddress = EtcdAddressAttributes.ToAddress;

    private readonly IServiceWatch _watch;

    // The address made for each instance, made once: a view keeps the same ServiceInstance for a record that did not
    // change, so one change in a view of 5,000 makes one address instead of 5,000 (each with its attribute bag: the
    // end-to-end bench measured about 1 KB per instance per change before).
    private readonly ConditionalWeakTable<ServiceInstance, BalancerAddress> _addresses = new();
    private readonly ClientViewRegistry _registry;
    private readonly TimeProvider _time;
    private readonly InstanceTransportFilter? _transport;
    private readonly Func<ServiceInstance, BalancerAddress> _addressOf;
    private ITimer? _firstAnswerTimer;
    private volatile bool _firstAnswerWaitOver;
    private readonly Lock _cacheLock = new();
    private Action<ResolverResult>? _listener;
    private IDisposable? _subscription;
    private IDisposable? _tracking;
    private ServiceView? _cachedView;
    private ResolverResult? _cachedResult;
    private ResolverResult? _lastSynced;

    /// <param name="watch">The shared watch of the service.</param>
    /// <param name="registry">Tracks the views clients balance over.</param>
    /// <param name="time">The clock.</param>
    /// <param name="transport">Which instances the channel can call (TLS or plaintext), or null to pass every instance.</param>
    public EtcdResolver(IServiceWatch watch, ClientViewRegistry registry, TimeProvider time, InstanceTransportFilter? transport = null)
    {
        _transport = transport;
        _addressOf = instance => _addresses.GetValue(instance, s_toAddress);
        _watch = watch;
        _registry = registry;
        _time = time;
    }

    public override void Start(Action<ResolverResult> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (Interlocked.CompareExchange(ref _listener, listener, null) is not null)
        {
            throw new InvalidOperationException("The resolver was already started.");
        }

        _tracking = _registry.Track(_watch);
        _firstAnswerTimer = _time.CreateTimer(
            static state =>
            {
                var resolver = (EtcdResolver)state!;
                resolver._firstAnswerWaitOver = true;
                resolver.Push();
            },
            this,
            FirstAnswerWait,
            Timeout.InfiniteTimeSpan);
        _subscription = _watch.Subscribe(_ => Push());
        Push();
    }

    public override void Refresh() => Push();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _firstAnswerTimer?.Dispose();
            _subscription?.Dispose();
            _tracking?.Dispose();
            _watch.Dispose();
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
            var view = _watch.Current;
            if (ResultFor(view) is not { } result)
            {
                return;
            }

            listener(result);
            if (ReferenceEquals(_watch.Current, view))
            {
                return;
            }
        }
    }

    private BalancerAddress[] AddressesOf(IReadOnlyList<ServiceInstance> instances)
    {
        // Enumerated, not indexed: the view's list is a tree, indexing it costs a walk each.
        var addresses = new BalancerAddress[instances.Count];
        var i = 0;
        foreach (var instance in instances)
        {
            addresses[i++] = _addresses.GetValue(instance, s_toAddress);
        }

        return addresses;
    }

    private ResolverResult? ResultFor(ServiceView view)
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
                var addresses = _transport is null
                    ? AddressesOf(view.Instances)
                    : _transport.Select(view.Instances, _addressOf);

                // Instances there but none callable: say why, rather than "no registered instance".
                result = addresses.Length == 0 && view.Instances.Count > 0 && _transport is not null
                    ? ResolverResult.ForFailure(new Status(StatusCode.Unavailable, _transport.DescribeAllRefused(view.Instances.Count)))
                    : ResolverResult.ForResult(addresses);
                _lastSynced = result;
            }
            else if (_lastSynced is not null)
            {
                result = _lastSynced;
            }
            else if (view.Problem is not null)
            {
                result = ResolverResult.ForFailure(new Status(
                    StatusCode.Unavailable, $"etcd has been unreachable since the client started ({view.Problem})"));
            }
            else if (_firstAnswerWaitOver)
            {
                result = ResolverResult.ForFailure(new Status(
                    StatusCode.Unavailable,
                    $"etcd has not answered within {FirstAnswerWait.TotalSeconds:0} s of the client starting; it may be unreachable"));
            }
            else
            {
                return null;
            }

            _cachedView = view;
            _cachedResult = result;
            return result;
        }
    }
}
