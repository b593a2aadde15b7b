using System.Collections.Concurrent;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

public sealed class SubscriberDispatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Post_SubscriberThrows_OthersStillReceiveEveryView()
    {
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        var thrown = 0;
        var seen = new ConcurrentQueue<long>();
        using var bad = dispatcher.Subscribe(_ => { Interlocked.Increment(ref thrown); throw new InvalidOperationException("boom"); }, NotSynced);
        using var good = dispatcher.Subscribe(v => seen.Enqueue(v.Revision), NotSynced);

        for (var revision = 1; revision <= 3; revision++)
        {
            dispatcher.Post(new NumberedView(revision, Synced(revision)));
            await Eventually.UntilAsync(() => seen.Contains(revision), Deadline, $"revision {revision} delivered");
        }

        Assert.Equal(3, Volatile.Read(ref thrown));
    }

    [Fact]
    public async Task Subscribe_CurrentViewSynced_DeliversIt()
    {
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        var received = new ConcurrentQueue<long>();

        using var subscription = dispatcher.Subscribe(v => received.Enqueue(v.Revision), () => new NumberedView(4, Synced(4)));

        await Eventually.UntilAsync(() => !received.IsEmpty, Deadline, "the current view delivered");
        Assert.Equal([4L], received);
    }

    [Fact]
    public async Task Subscribe_CurrentViewNotSynced_DeliversNothingUntilASyncedView()
    {
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        var received = new ConcurrentQueue<long>();

        using var subscription = dispatcher.Subscribe(v => received.Enqueue(v.Revision), NotSynced);
        dispatcher.Post(new NumberedView(2, Synced(2)));

        await Eventually.UntilAsync(() => !received.IsEmpty, Deadline, "the posted view delivered");
        Assert.Equal([2L], received);
    }

    [Fact]
    public async Task Subscribe_CallerHoldsALockTheListenerTakes_ReturnsWithoutCallingTheListener()
    {
        // grpc-dotnet starts a resolver (which subscribes) under a lock that the resolver's listener takes too.
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        using var callersLock = new SemaphoreSlim(1, 1);
        var received = new ConcurrentQueue<long>();
        void Listener(ServiceView view)
        {
            callersLock.Wait();
            received.Enqueue(view.Revision);
            callersLock.Release();
        }

        await callersLock.WaitAsync();
        var subscribing = Task.Run(() => dispatcher.Subscribe(Listener, () => new NumberedView(7, Synced(7))));
        using var subscription = await subscribing.WaitAsync(Deadline);
        callersLock.Release();

        await Eventually.UntilAsync(() => !received.IsEmpty, Deadline, "the current view delivered once the lock is free");
        Assert.Equal([7L], received);
    }

    [Fact]
    public async Task Post_OlderThanDelivered_IsNotDelivered()
    {
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        var seen = new ConcurrentQueue<long>();
        using var subscription = dispatcher.Subscribe(v => seen.Enqueue(v.Revision), () => new NumberedView(5, Synced(5)));

        dispatcher.Post(new NumberedView(3, Synced(3)));
        dispatcher.Post(new NumberedView(6, Synced(6)));
        await Eventually.UntilAsync(() => seen.Contains(6), Deadline, "newest view delivered");

        Assert.Equal([5L, 6L], seen);
    }

    [Fact]
    public async Task Dispose_Subscription_StopsDelivery()
    {
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        var first = new ConcurrentQueue<long>();
        var second = new ConcurrentQueue<long>();
        var subscription = dispatcher.Subscribe(v => first.Enqueue(v.Revision), NotSynced);
        using var witness = dispatcher.Subscribe(v => second.Enqueue(v.Revision), NotSynced);

        subscription.Dispose();
        dispatcher.Post(new NumberedView(1, Synced(1)));
        await Eventually.UntilAsync(() => second.Contains(1), Deadline, "witness received the view");

        Assert.Empty(first);
    }

    private static NumberedView NotSynced() => new(0, ServiceView.NotSynced("echo", null));

    private static ServiceView Synced(long revision) => new("echo", [], true, revision, DateTimeOffset.UnixEpoch, null);
}
