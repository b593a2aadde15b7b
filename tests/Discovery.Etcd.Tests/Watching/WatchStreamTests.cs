using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>The raw watch stream against real etcd: how it ends on compaction and on a hung etcd.</summary>
public sealed class WatchStreamTests
{
    private static readonly WatchTimings Fast = new() { ProgressInterval = TimeSpan.FromMilliseconds(250), HangTimeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task RunAsync_StartRevisionCompacted_ReturnsTheCompactRevision()
    {
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = [node.ClientUrl] });
        for (var i = 0; i < 5; i++)
        {
            await ServiceRecords.PutAsync(connection, "echo", $"10.0.0.{i + 1}:80");
        }

        var compactedTo = await ServiceRecords.CurrentRevisionAsync(connection);
        await ServiceRecords.CompactAsync(connection, compactedTo);
        var responses = new List<WatchResponse>();

        var ended = await new WatchStream(connection, WatchTimings.Default, TimeProvider.System)
            .RunAsync(Create(startRevision: 2), responses.Add, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(compactedTo, ended.CompactRevision);

        // Handed over: the Created reply, and the answer to a progress request when one went out before the
        // cancellation arrived (a busy machine); never an event below the compaction.
        Assert.Single(responses, r => r.Created);
        Assert.All(responses, r => Assert.Empty(r.Events));
    }

    [Fact]
    public async Task RunAsync_EtcdFrozen_InterruptedOnceSilentForHangTimeout()
    {
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = [node.ClientUrl] });
        var created = new TaskCompletionSource();
        var run = new WatchStream(connection, Fast, TimeProvider.System)
            .RunAsync(Create(startRevision: 0), r => { if (r.Created) created.TrySetResult(); }, CancellationToken.None);
        await created.Task.WaitAsync(TimeSpan.FromSeconds(5));

        node.Pause();
        var clock = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<WatchInterruptedException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        node.Resume();

        // The upper margin absorbs scheduling delays on a busy 2-core machine.
        Assert.InRange(clock.Elapsed, Fast.HangTimeout - Fast.ProgressInterval, Fast.HangTimeout + TimeSpan.FromSeconds(2));
        Assert.Contains("did not answer", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Cancelled_ThrowsOperationCanceledOrCancelledRpc()
    {
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = [node.ClientUrl] });
        using var stop = new CancellationTokenSource();
        var created = new TaskCompletionSource();
        var run = new WatchStream(connection, Fast, TimeProvider.System)
            .RunAsync(Create(startRevision: 0), r => { if (r.Created) created.TrySetResult(); }, stop.Token);
        await created.Task.WaitAsync(TimeSpan.FromSeconds(5));

        await stop.CancelAsync();
        var failure = await Record.ExceptionAsync(() => run.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.True(failure is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled }, failure?.ToString());
    }

    private static WatchCreateRequest Create(long startRevision) => new()
    {
        Key = ByteString.CopyFromUtf8("echo/"),
        RangeEnd = ByteString.CopyFromUtf8("echo0"),
        StartRevision = startRevision,
        ProgressNotify = true,
    };
}
