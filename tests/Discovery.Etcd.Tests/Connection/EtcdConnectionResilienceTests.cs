using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Testing;
using Grpc.Core;
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
}
