using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Testing;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Connection;

/// <summary>HTTP/2 pings: often enough to find a hung etcd, not so often that etcd closes the connection.</summary>
public sealed class EtcdConnectionKeepAliveTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_interval = EtcdOptionsValidator.MinimumKeepAliveInterval;

    [Fact]
    public async Task Watch_IdleForFourPingIntervalsAtTheSmallestAllowedInterval_StaysOpen()
    {
        // With 2 s pings etcd (--grpc-keepalive-min-time 5 s) sent GOAWAY ENHANCE_YOUR_CALM after ~9 s.
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { node.ClientUrl }, KeepAliveInterval = s_interval });
        using var stop = new CancellationTokenSource();
        using var call = await OpenWatchAsync(connection, "idle/", stop.Token);
        var next = call.ResponseStream.MoveNext(stop.Token);

        var idle = await Task.WhenAny(next, Task.Delay(4 * s_interval, TimeProvider.System));

        Assert.NotSame(next, idle);
        await connection.PutAsync("idle/key", "v");
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(5)), "the idle watch still delivers events");
        Assert.Single(call.ResponseStream.Current.Events);
    }

    [Fact]
    public async Task Watch_EtcdHangs_StreamFailsWithinAboutTwoPingIntervals()
    {
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { node.ClientUrl }, KeepAliveInterval = s_interval });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = await OpenWatchAsync(connection, "hang/", stop.Token);

        node.Pause();
        var paused = Stopwatch.StartNew();
        try
        {
            await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(stop.Token));
        }
        finally
        {
            node.Resume();
        }

        output.WriteLine($"the hang was detected after {paused.ElapsedMilliseconds} ms");
        Assert.InRange(paused.Elapsed, TimeSpan.Zero, (2 * s_interval) + TimeSpan.FromSeconds(5));
    }

    private static async Task<AsyncDuplexStreamingCall<WatchRequest, WatchResponse>> OpenWatchAsync(EtcdConnection connection, string prefix, CancellationToken cancellationToken)
    {
        var call = connection.Watch.Watch(connection.StreamOptions(cancellationToken));
        var key = ByteString.CopyFromUtf8(prefix);
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, RangeEnd = ByteString.CopyFromUtf8(prefix[..^1] + "0") } }, cancellationToken);
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        Assert.True(call.ResponseStream.Current.Created);
        return call;
    }
}
