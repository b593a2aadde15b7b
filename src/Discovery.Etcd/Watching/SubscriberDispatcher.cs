using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Watching;

/// <summary>
/// Delivers a watcher's views to its subscribers on one task of its own, so a slow or throwing subscriber never
/// holds up etcd's receive loop nor the other subscribers. Views are numbered; a subscriber only ever gets a
/// newer view than its last, and a burst of views is coalesced to the newest.
/// </summary>
internal sealed partial class SubscriberDispatcher : IAsyncDisposable
{
    private readonly Channel<NumberedView> _pending = Channel.CreateBounded<NumberedView>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly string _service;
    private readonly ILogger _logger;
    private readonly Task _delivery;
    private ImmutableArray<Subscription> _subscriptions = [];

    public SubscriberDispatcher(string service, ILogger logger)
    {
        _service = service;
        _logger = logger;
        _delivery = Task.Run(DeliverAsync);
    }

    /// <summary>Queues <paramref name="view"/> for delivery; never blocks.</summary>
    public void Post(NumberedView view) => _pending.Writer.TryWrite(view);

    /// <summary>
    /// Adds <paramref name="listener"/>, then calls it at once with <paramref name="current"/>'s result when that
    /// view is synced.
    /// </summary>
    public IDisposable Subscribe(Action<ServiceView> listener, Func<NumberedView> current)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var subscription = new Subscription(this, listener);
        ImmutableInterlocked.Update(ref _subscriptions, static (list, s) => list.Add(s), subscription);

        // Read after adding: a view published in between reaches the subscriber through the delivery task, and
        // the numbering drops whichever of the two is older.
        var snapshot = current();
        if (snapshot.View.IsSynced)
        {
            subscription.Deliver(snapshot);
        }

        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _delivery.ConfigureAwait(false);
    }

    private async Task DeliverAsync()
    {
        await foreach (var view in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Deliver(view);
            }
        }
    }

    private void Remove(Subscription subscription) =>
        ImmutableInterlocked.Update(ref _subscriptions, static (list, s) => list.Remove(s), subscription);

    private sealed class Subscription(SubscriberDispatcher owner, Action<ServiceView> listener) : IDisposable
    {
        private readonly Lock _gate = new();
        private long _delivered = -1;
        private volatile bool _disposed;

        public void Deliver(NumberedView view)
        {
            lock (_gate)
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
