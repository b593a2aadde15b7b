using System.Diagnostics;
using System.Text;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>Focused behaviours of the prefix watcher against a real etcd shared by the class.</summary>
public sealed class PrefixWatcherTests(EtcdNodeFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Watch_SiblingAndNestedServices_SeesOnlyItsOwnDirectChildren()
    {
        var prefix = NewPrefix();
        await using var echo = Watch("echo", prefix);
        await using var echoV2 = Watch("echo-v2", prefix);
        await using var echoSub = Watch("echo/sub", prefix);
        using var writer = echo.ConnectTo(etcd.Node.ClientUrl);
        await ServiceRecords.PutAsync(writer, "echo", "10.0.0.1:80");
        await ServiceRecords.PutAsync(writer, "echo-v2", "10.0.0.2:80");
        await ServiceRecords.PutAsync(writer, "echo/sub", "10.0.0.3:80");
        await ServiceRecords.PutRawAsync(writer, prefix + "echo", Encoding.UTF8.GetBytes("{\"Addr\":\"10.0.0.4:80\"}"));

        await ServiceRecords.PutAsync(writer, "echo", "10.0.0.5:80", name: "go-written-uuid");

        await Eventually.UntilAsync(() => Addresses(echo) == "10.0.0.1:80,10.0.0.5:80", Deadline, "echo sees its two records");
        await Eventually.UntilAsync(() => Addresses(echoV2) == "10.0.0.2:80", Deadline, "echo-v2 sees its record");
        await Eventually.UntilAsync(() => Addresses(echoSub) == "10.0.0.3:80", Deadline, "echo/sub sees its record");
        await echo.ConvergesAsync(writer, Deadline, "for echo");
    }

    [Fact]
    public async Task Watch_TwoKeysWithSameAddress_CountsTheAddressOnce()
    {
        await using var watcher = Watch("dup");
        using var writer = watcher.ConnectTo(etcd.Node.ClientUrl);
        await watcher.WaitSyncedAsync();

        await ServiceRecords.PutAsync(writer, "dup", "10.0.0.1:80", name: "a");
        await ServiceRecords.PutAsync(writer, "dup", "10.0.0.1:80", name: "b");
        await ServiceRecords.PutAsync(writer, "dup", "10.0.0.2:80", name: "c");

        await Eventually.UntilAsync(() => Addresses(watcher) == "10.0.0.1:80,10.0.0.2:80", Deadline, "two distinct addresses");
        await ServiceRecords.DeleteAsync(writer, "dup", "a");
        await ServiceRecords.DeleteAsync(writer, "dup", "c");
        await Eventually.UntilAsync(() => Addresses(watcher) == "10.0.0.1:80", Deadline, "address of b still there");
    }

    [Fact]
    public async Task Subscribe_OneSubscriberThrows_OthersKeepReceivingViews()
    {
        await using var watcher = Watch("throwing");
        using var writer = watcher.ConnectTo(etcd.Node.ClientUrl);
        await watcher.WaitSyncedAsync();
        var throwingCalls = 0;
        var lastSeen = string.Empty;
        using var bad = watcher.Watcher.Subscribe(_ =>
        {
            Interlocked.Increment(ref throwingCalls);
            throw new InvalidOperationException("subscriber bug");
        });
        using var good = watcher.Watcher.Subscribe(v => Volatile.Write(ref lastSeen, string.Join(',', v.Instances.Select(e => e.Address))));

        await ServiceRecords.PutAsync(writer, "throwing", "10.0.0.1:80");
        await Eventually.UntilAsync(() => Volatile.Read(ref lastSeen) == "10.0.0.1:80", Deadline, "first view after a throw");
        await ServiceRecords.PutAsync(writer, "throwing", "10.0.0.2:80");
        await Eventually.UntilAsync(() => Volatile.Read(ref lastSeen) == "10.0.0.1:80,10.0.0.2:80", Deadline, "second view after a throw");

        Assert.True(Volatile.Read(ref throwingCalls) >= 2);
        Assert.True(watcher.Logs.Count("SubscriberFailed") >= 2, "each throw is logged as a warning");
    }

    [Fact]
    public async Task Subscribe_SubscriberBlocked_ViewKeepsFollowingEtcd()
    {
        await using var watcher = Watch("blocked");
        using var writer = watcher.ConnectTo(etcd.Node.ClientUrl);
        await watcher.WaitSyncedAsync();
        using var release = new ManualResetEventSlim();
        var entered = 0;
        using var blocking = watcher.Watcher.Subscribe(view =>
        {
            // The initial view is delivered inside Subscribe; block on the first change, which comes off the loop.
            if (view.Instances.Count > 0)
            {
                Interlocked.Increment(ref entered);
                release.Wait(TimeSpan.FromSeconds(10));
            }
        });

        try
        {
            await ServiceRecords.PutAsync(writer, "blocked", "10.0.0.1:80");
            await Eventually.UntilAsync(() => Volatile.Read(ref entered) >= 1, Deadline, "the subscriber is blocked in a call");
            await ServiceRecords.PutAsync(writer, "blocked", "10.0.0.2:80");

            await Eventually.UntilAsync(() => Addresses(watcher) == "10.0.0.1:80,10.0.0.2:80", Deadline, "the view moves on while the subscriber is blocked");
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task Watch_HundredMalformedAmongHundredValid_SeesExactlyTheValidOnesAndCountsHundred()
    {
        var prefix = NewPrefix();
        using var writer = new Discovery.Etcd.Connection.EtcdConnection(new EtcdOptions { Endpoints = [etcd.Node.ClientUrl], KeyPrefix = prefix });
        var malformed = MalformedValues.All();
        var valid = new List<string>();
        async Task WriteMixAsync(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                await ServiceRecords.PutRawAsync(writer, $"{prefix}mixed/bad-{i}", malformed[i % malformed.Count].Value);
                var address = $"10.1.0.{i + 1}:9000";
                valid.Add(address);
                await ServiceRecords.PutAsync(writer, "mixed", address, name: i % 2 == 0 ? address : $"go-{i}", format: (RecordMetadataFormat)(i % 2));
            }
        }

        // Half reach the watcher in its first listing, half as watch events.
        await WriteMixAsync(0, 50);
        await using var watcher = Watch("mixed", prefix);
        await watcher.WaitSyncedAsync();
        await WriteMixAsync(50, 100);
        await Eventually.UntilAsync(() => Addresses(watcher) == string.Join(',', valid.Order(StringComparer.Ordinal)), Deadline, "exactly the 100 valid records");
        await ServiceRecords.PutAsync(writer, "mixed", "10.2.0.1:9000");

        await Eventually.UntilAsync(() => watcher.Watcher.Current.Instances.Any(e => e.Address == "10.2.0.1:9000"), Deadline, "a later valid write");
        await watcher.ConvergesAsync(writer, Deadline, "with malformed records around");
        Assert.True(malformed.Select(m => m.Kind).Distinct().Count() >= 8);
        Assert.Equal(100, watcher.Counter(WatchMetrics.SkippedRecordsName));
        Assert.Equal(100, watcher.Logs.Count("RecordSkipped"));
    }

    private WatcherUnderTest Watch(string service, string? prefix = null) =>
        WatcherUnderTest.Start(etcd.Node.ClientUrl, service, output, keyPrefix: prefix ?? NewPrefix());

    private static string NewPrefix() => $"p{Guid.NewGuid():N}"[..9] + "/";

    private static string Addresses(WatcherUnderTest watcher) =>
        string.Join(',', watcher.Watcher.Current.Instances.Select(e => e.Address));
}
