using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Tests.Watching;
using Discovery.Testing;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Connection;

/// <summary>Failover between etcd members and fast reconnects, against real etcd.</summary>
public sealed class EtcdConnectionResilienceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Put_FirstOfTwoEndpointsKilled_EveryLaterPutSucceeds()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var leader = await cluster.FindLeaderAsync();
        var followers = cluster.Members.Where(m => m != leader).ToArray();
        var options = new EtcdOptions { Endpoints = { followers[0].ClientUrl, followers[1].ClientUrl } };
        using var connection = new EtcdConnection(options);
        for (var i = 0; i < 10; i++)
        {
            await connection.PutAsync("failover/key", $"before-{i}");
        }

        await followers[0].KillAsync();

        // No retry loop here: the connection itself moves the calls to the member that lives.
        for (var i = 0; i < 20; i++)
        {
            await connection.PutAsync("failover/key", $"after-{i}");
        }

        Assert.Equal("after-19", await connection.GetAsync("failover/key"));
    }

    [Fact]
    public async Task FirstToken_WithOneOfTwoEndpointsHung_ComesFromTheOtherLongBeforeTheAuthenticateDeadline()
    {
        // Every call of a connection with a user waits for its first token. round_robin starts at a random member, so
        // about half of these connections send their first Authenticate to the hung one. The reads here are made as the
        // library's callers make them (short attempts, each picked round robin, repeated), so they succeed once there
        // is a token. Without hedging, the token would wait for the first Authenticate's 10 s deadline; with it, a
        // second Authenticate goes to the other member after 1 s (then a read may still take a 1 s attempt or two on the
        // hung member: seen up to 3.5 s). 8 connections all missing the hung member: 1 in 256.
        await using var cluster = await EtcdCluster.StartAsync(new EtcdNodeOptions { EnableAuth = true }, 3);
        var leader = await cluster.FindLeaderAsync();
        var followers = cluster.Members.Where(m => m != leader).ToArray();
        using (var root = leader.CreateClient())
        {
            await root.PutAsync("hedge/key", "value");
        }

        followers[0].Pause();
        var options = new EtcdOptions
        {
            Endpoints = { followers[0].ClientUrl, followers[1].ClientUrl },
            Username = "root",
            Password = leader.Options.RootPassword,
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
        var firstReads = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            using var connection = new EtcdConnection(options);
            var started = Stopwatch.StartNew();
            string? value = null;
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        var response = await connection.KV.RangeAsync(
                            new Etcdserverpb.RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("hedge/key") },
                            connection.UnaryOptions(CancellationToken.None, TimeSpan.FromSeconds(1)));
                        value = response.Kvs[0].Value.ToStringUtf8();
                        return true;
                    }
                    catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
                    {
                        return false;
                    }
                },
                options.RequestTimeout - TimeSpan.FromSeconds(2),
                "a read through the member that answers, before the first Authenticate's deadline");
            firstReads.Add(started.Elapsed);
            Assert.Equal("value", value);
        }

        output.WriteLine($"first reads: {string.Join(", ", firstReads.Select(d => $"{d.TotalMilliseconds:0} ms"))}");
    }

    [Fact]
    public async Task Range_OneOfThreeMembersHung_EveryReadAnsweredWithinItsDeadline()
    {
        // The connection reaches all three members before one hangs, so round_robin keeps picking the hung one (its TCP
        // connection stays open): about one read in three starts there. Each read gets a single 2 s deadline and no
        // repeat of its own; without hedging, a read sent to the hung member would end DeadlineExceeded, and 30 reads
        // all missing it is 1 in 190,000. With it, the next member is asked after 0.5 s.
        await using var cluster = await EtcdCluster.StartAsync(3);
        var leader = await cluster.FindLeaderAsync();
        var follower = cluster.Members.First(m => m != leader);
        using (var client = leader.CreateClient())
        {
            await client.PutAsync("hedge/range", "value");
        }

        var options = new EtcdOptions();
        foreach (var member in cluster.Members)
        {
            options.Endpoints.Add(member.ClientUrl);
        }

        using var connection = new EtcdConnection(options);
        var request = new Etcdserverpb.RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("hedge/range") };
        for (var i = 0; i < 6; i++)
        {
            await connection.KV.RangeAsync(request, connection.UnaryOptions(CancellationToken.None));
        }

        follower.Pause();
        try
        {
            var slowest = TimeSpan.Zero;
            for (var i = 0; i < 30; i++)
            {
                var started = Stopwatch.StartNew();
                var response = await connection.KV.RangeAsync(request, connection.UnaryOptions(CancellationToken.None, TimeSpan.FromSeconds(2)));
                Assert.Equal("value", response.Kvs[0].Value.ToStringUtf8());
                slowest = started.Elapsed > slowest ? started.Elapsed : slowest;
            }

            output.WriteLine($"slowest of 30 reads with {follower.Name} hung: {slowest.TotalMilliseconds:0} ms");
        }
        finally
        {
            follower.Resume();
        }
    }

    [Fact]
    public async Task Put_FirstOfTwoEndpointsIsTheLeaderAndKilled_WritesAgainOnceANewLeaderIsElected()
    {
        // A put that reaches a member while the cluster has no leader is dropped by etcd and ends only at its
        // deadline (DeadlineExceeded); writes resume once the election is over (~1 s election timeout here).
        await using var cluster = await EtcdCluster.StartAsync(3);
        var leader = await cluster.FindLeaderAsync();
        var follower = cluster.Members.First(m => m != leader);
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { leader.ClientUrl, follower.ClientUrl } });
        await connection.PutAsync("failover/key", "before");

        await leader.KillAsync();
        var killed = Stopwatch.StartNew();
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await connection.PutAsync("failover/key", "after", TimeSpan.FromSeconds(1));
                    return true;
                }
                catch (Exception ex) when (ex is RpcException or OperationCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(10),
            "a put succeeds after the leader was killed");

        output.WriteLine($"writes resumed {killed.ElapsedMilliseconds} ms after the leader was killed");
        Assert.Equal("after", await connection.GetAsync("failover/key"));
    }

    [Fact]
    public async Task Put_AfterEtcdRestart_SucceedsWithinTwoSecondsOfEtcdAnswering()
    {
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { node.ClientUrl } });
        await connection.PutAsync("restart/key", "before");
        await node.KillAsync();

        // Keep calling through a 4 s outage, so that the reconnect backoff reaches its ceiling.
        var outage = Stopwatch.StartNew();
        var failures = 0;
        while (outage.Elapsed < TimeSpan.FromSeconds(4))
        {
            var exception = await Assert.ThrowsAnyAsync<Exception>(() => connection.PutAsync("restart/key", "during", TimeSpan.FromMilliseconds(500)));
            Assert.True(exception is RpcException or OperationCanceledException, exception.ToString());
            failures++;
        }

        await node.StartAgainAsync();
        var answering = Stopwatch.StartNew();
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await connection.PutAsync("restart/key", "after", TimeSpan.FromMilliseconds(500));
                    return true;
                }
                catch (Exception ex) when (ex is RpcException or OperationCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(2),
            "a put succeeds within 2 s of etcd answering again");

        output.WriteLine($"{failures} calls failed during the outage; first put succeeded {answering.ElapsedMilliseconds} ms after etcd answered");
        Assert.Equal("after", await connection.GetAsync("restart/key"));
    }

    [Fact]
    public async Task Put_AfterAFourSecondCut_SucceedsWithinTwoSecondsOfTheRestore()
    {
        // A proxy gives the exact moment etcd is reachable again, which a restarting etcd does not.
        await using var node = await EtcdNode.StartAsync();
        await using var proxy = TcpProxy.Start(node.ClientPort);
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { proxy.Url } });
        await connection.PutAsync("cut/key", "before");
        proxy.Cut();

        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(4))
        {
            var exception = await Assert.ThrowsAnyAsync<Exception>(() => connection.PutAsync("cut/key", "during", TimeSpan.FromMilliseconds(500)));
            Assert.True(exception is RpcException or OperationCanceledException, exception.ToString());
        }

        proxy.Restore();
        var restored = Stopwatch.StartNew();
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await connection.PutAsync("cut/key", "after", TimeSpan.FromMilliseconds(500));
                    return true;
                }
                catch (Exception ex) when (ex is RpcException or OperationCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(2),
            "a put succeeds within 2 s of the restore");

        output.WriteLine($"first put succeeded {restored.ElapsedMilliseconds} ms after the restore");
    }

    [Fact]
    public async Task Put_EtcdDownForManyConnectTimeouts_EveryConnectionPutsWithinTwoSecondsOfEtcdAnswering()
    {
        // With grpc-dotnet's own connect limit, a 100 ms ConnectTimeout ended and restarted each channel's reconnect
        // loop about 40 times in this outage, and any restart could leave the channel connecting with no attempt
        // running (a race in grpc-dotnet), every call then waiting until its deadline, for good. The race needs the
        // thread ending a loop to be preempted at the wrong moment, so this test did not catch it (0 of 4 runs before
        // the fix; EtcdIncidentTests with four busy loops did in 3 of 5); it pins the behaviour: the loops now run
        // until etcd answers, so a short ConnectTimeout neither stalls a channel nor delays its return.
        await using var node = await EtcdNode.StartAsync();
        var options = new EtcdOptions { Endpoints = { node.ClientUrl }, ConnectTimeout = TimeSpan.FromMilliseconds(100) };
        var connections = Enumerable.Range(0, 16).Select(_ => new EtcdConnection(options)).ToArray();
        try
        {
            await Task.WhenAll(connections.Select((c, i) => c.PutAsync($"stall/{i}", "before")));
            await node.KillAsync();

            var outage = Stopwatch.StartNew();
            await Task.WhenAll(connections.Select(async (c, i) =>
            {
                while (outage.Elapsed < TimeSpan.FromSeconds(6))
                {
                    var exception = await Assert.ThrowsAnyAsync<Exception>(() => c.PutAsync($"stall/{i}", "during", TimeSpan.FromMilliseconds(200)));
                    Assert.True(exception is RpcException or OperationCanceledException, exception.ToString());
                }
            }));

            await node.StartAgainAsync();
            var answering = Stopwatch.StartNew();
            var stalled = await Task.WhenAll(connections.Select(async (c, i) =>
            {
                try
                {
                    await Eventually.UntilAsync(() => TryPutAsync(c, $"stall/{i}"), TimeSpan.FromSeconds(2), $"a put through connection {i}");
                    return false;
                }
                catch (EventuallyTimeoutException)
                {
                    return true;
                }
            }));

            output.WriteLine($"puts checked {answering.ElapsedMilliseconds} ms after etcd answered; {stalled.Count(s => s)} of {connections.Length} connections stalled");
            Assert.DoesNotContain(true, stalled);
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    [Fact]
    public async Task Connect_AttemptHangs_IsRestartedAfterConnectTimeoutAndOneBackoff()
    {
        // A listener whose accept queue is full drops further SYNs, like a black-holed member: the operating system
        // alone would keep one connect attempt pending for about two minutes.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var queued = new List<Socket>();
        try
        {
            while (queued.Count < 16)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                queued.Add(socket);
                using var connectLimit = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await socket.ConnectAsync(endPoint, connectLimit.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var logs = new CapturingLoggerProvider(LogLevel.Debug, output);
            using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
            var options = new EtcdOptions { Endpoints = { $"http://127.0.0.1:{endPoint.Port}" }, ConnectTimeout = TimeSpan.FromMilliseconds(500) };
            using var connection = new EtcdConnection(options, loggerFactory);
            var started = Stopwatch.StartNew();
            var call = connection.PutAsync("blackhole/key", "x", TimeSpan.FromSeconds(4));

            await Eventually.UntilAsync(() => logs.Count("ConnectStalled") >= 2, TimeSpan.FromSeconds(8), "two stalled attempts restarted");

            output.WriteLine($"two attempts restarted after {started.ElapsedMilliseconds} ms");
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"restarted twice only after {started.ElapsedMilliseconds} ms");
            await Assert.ThrowsAnyAsync<Exception>(() => call);
        }
        finally
        {
            foreach (var socket in queued)
            {
                socket.Dispose();
            }
        }
    }

    private static async Task<bool> TryPutAsync(EtcdConnection connection, string key)
    {
        try
        {
            await connection.PutAsync(key, "after", TimeSpan.FromMilliseconds(500));
            return true;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            return false;
        }
    }
}
