using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Watching;

/// <summary>
/// Delivers a watcher's views to its subscribers on one task of its own, so a slow or throwing subscriber never
/// holds up etcd's receive loop nor the other subscribers. Views are numbered; a subscriber only ever gets a
/// newer view than its last, and a burst of views is coalesced to the newest.
/// </summary>
/// <remarks>
/// Every listener call happens on the delivery task, the first one of a new subscriber included, never on the thread
/// that subscribes: that thread may hold a lock the listener needs. grpc-dotnet starts a resolver (which subscribes)
/// under its connection manager's lock, and the resolver's listener pushes to that same manager; delivering the first
/// view inside <see cref="Subscribe"/> while the delivery task was already delivering to the new subscriber
/// deadlocked a client's first call.
/// </remarks>
internal sealed partial class SubscriberDispatcher : IAsyncDisposable
{
    // A wake-up signal only: what to deliver is in _latest and _joining, so coalescing never drops a join.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly ConcurrentQueue<(Subscription Subscription, Func<NumberedView> Current)> _joining = new();
    private readonly Lock _latestGate = new();
    private readonly string _service;
    private readonly ILogger _logger;
    private readonly Task _delivery;
    private ImmutableArray<Subscription> _subscriptions = [];
    private NumberedView? _latest;

    public SubscriberDispatcher(string service, ILogger logger)
    {
        _service = service;
        _logger = logger;
        _delivery = Task.Run(DeliverAsync);
    }

    /// <summary>Queues <paramref name="view"/> for delivery; never blocks.</summary>
    public void Post(NumberedView view)
    {
        lock (_latestGate)
        {
            if (_latest is null || view.Number > _latest.Value.Number)
            {
                _latest = view;
            }
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Adds <paramref name="listener"/>, then has the delivery task call it with <paramref name="current"/>'s result
    /// when that view is synced. Returns without calling the listener.
    /// </summary>
    public IDisposable Subscribe(Action<ServiceView> listener, Func<NumberedView> current)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var subscription = new Subscription(this, listener);
        ImmutableInterlocked.Update(ref _subscriptions, static (list, s) => list.Add(s), subscription);

        // The current view is read by the delivery task, after adding: a view published in between reaches the
        // subscriber either way, and the numbering drops whichever of the two is older.
        _joining.Enqueue((subscription, current));
        _wake.Writer.TryWrite(true);
        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        _wake.Writer.TryComplete();
        await _delivery.ConfigureAwait(false);
    }

    private async Task DeliverAsync()
    {
        await foreach (var _ in _wake.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            while (_joining.TryDequeue(out var joining))
            {
                var snapshot = joining.Current();
                if (snapshot.View.IsSynced)
                {
                    joining.Subscription.Deliver(snapshot);
                }
            }

            NumberedView? latest;
            lock (_latestGate)
            {
                latest = _latest;
            }

            if (latest is { } view)
            {
                foreach (var subscription in _subscriptions)
                {
                    subscription.Deliver(view);
                }
            }
        }
    }

    private void Remove(Subscription subscription) =>
        ImmutableInterlocked.Update(ref _subscriptions, static (list, s) => list.Remove(s), subscription);

    /// <remarks>Only the delivery task calls <see cref="Deliver"/>, so it needs no lock of its own.</remarks>
    private sealed class Subscription(SubscriberDispatcher owner, Action<ServiceView> listener) : IDisposable
    {
        private long _delivered = -1;
        private volatile bool _disposed;

        public void Deliver(NumberedView view)
        {
            if (_disposed || view.Number <= _delivered)
            {
                return;
            }

            _delivered = view.Number;
            try
            {
                listener(view.View);
            }
            catch (Exception ex)
            {
                Log.SubscriberFailed(owner._logger, owner._service, ex);
            }
        }

        public void Dispose()
        {
            _disposed = true;
            owner.Remove(this);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Warning, "A subscriber to the view of service '{Service}' threw; the other subscribers are unaffected")]
        public static partial void SubscriberFailed(ILogger logger, string service, Exception exception);
    }
}

/// <summary>A view with its publication number: higher numbers are newer.</summary>
internal readonly record struct NumberedView(long Number, ServiceView View);
