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
    public async Task Subscribe_CurrentViewSynced_DeliversItAtOnce()
    {
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        ServiceView? received = null;

        using var subscription = dispatcher.Subscribe(v => received = v, () => new NumberedView(4, Synced(4)));

        Assert.Equal(4, received?.Revision);
    }

    [Fact]
    public async Task Subscribe_CurrentViewNotSynced_DeliversNothing()
    {
        await using var dispatcher = new SubscriberDispatcher("echo", NullLogger.Instance);
        var calls = 0;

        using var subscription = dispatcher.Subscribe(_ => calls++, NotSynced);

        Assert.Equal(0, calls);
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
