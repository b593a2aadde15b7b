using Xunit.Abstractions;
using System.Diagnostics;
using Discovery.Testing;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>The registration through etcd outages, restarts, data loss, foreign deletes and network cuts.</summary>
public sealed class EtcdIncidentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = EchoServers.LeaseTtl;
    private static readonly TimeSpan BackWithin = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task EtcdKilledForTwoTtl_RestartedWithSameData_RecordBackWithinTwoSecondsAndStays()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var server = await EchoServers.StartAsync(node.ClientUrl, "restart-echo");
        await server.WaitRegistrationLoggedAsync();
        using var client = node.CreateClient();

        await node.KillAsync();
        await Task.Delay(Ttl * 2); // the outage itself, not a wait for a condition
        await node.StartAgainAsync();
        var clock = Stopwatch.StartNew();

        await Eventually.UntilAsync(() => EtcdRecords.ExistsAsync(client, server.Key), BackWithin, "record present after the restart");
        var back = clock.Elapsed;
        output.WriteLine($"record present {back.TotalMilliseconds:0} ms after etcd answered");
        await Always.ForAsync(() => EtcdRecords.ExistsAsync(client, server.Key), Ttl * 3, "record stays present");
        Assert.True(back < BackWithin, $"back after {back.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task EtcdRestartedWithWipedData_RecordBackWithinTwoSeconds()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var server = await EchoServers.StartAsync(node.ClientUrl, "wipe-echo");
        await server.WaitRegistrationLoggedAsync();
        using var client = node.CreateClient();

        await node.RestartAsync(wipeData: true);
        var clock = Stopwatch.StartNew();

        await Eventually.UntilAsync(() => EtcdRecords.ExistsAsync(client, server.Key), BackWithin, "record written again after the wipe");
        output.WriteLine($"record back {clock.Elapsed.TotalMilliseconds:0} ms after etcd answered");
        Assert.True(clock.Elapsed < BackWithin, $"back after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task EtcdctlDel_OwnKey_RecordBackWithinTwoSeconds()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var server = await EchoServers.StartAsync(node.ClientUrl, "del-echo");
        await server.WaitRegistrationLoggedAsync();
        using var client = node.CreateClient();
        var before = await EtcdRecords.GetAsync(client, server.Key);

        await using (var etcdctl = ChildProcess.Start(
            "/usr/bin/etcdctl",
            ["--endpoints", node.ClientUrl, "del", server.Key],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" }))
        {
            Assert.Equal(0, await etcdctl.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        var clock = Stopwatch.StartNew();
        await Eventually.UntilAsync(() => EtcdRecords.ExistsAsync(client, server.Key), BackWithin, "record written again after etcdctl del");
        output.WriteLine($"record back {clock.Elapsed.TotalMilliseconds:0} ms after etcdctl del");
        Assert.True(clock.Elapsed < BackWithin, $"back after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(before, await EtcdRecords.GetAsync(client, server.Key));
    }

    [Fact]
    public async Task ServerCutOffForTwoTtl_Restored_RecordBackWithinTwoSecondsUnderNewLease()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var proxy = TcpProxy.Start(node.ClientPort);
        await using var server = await EchoServers.StartAsync(proxy.Url, "cut-echo");
        await server.WaitRegistrationLoggedAsync();
        using var client = node.CreateClient();
        var before = await EtcdRecords.GetAsync(client, server.Key);

        proxy.Cut();
        await Eventually.UntilAsync(async () => !await EtcdRecords.ExistsAsync(client, server.Key), Ttl * 2, "lease expired while cut off");
        await Task.Delay(Ttl); // stay cut off for the rest of the 2 x TTL outage
        proxy.Restore();
        var clock = Stopwatch.StartNew();

        await Eventually.UntilAsync(() => EtcdRecords.ExistsAsync(client, server.Key), BackWithin, "record written again under a new lease");
        output.WriteLine($"record back {clock.Elapsed.TotalMilliseconds:0} ms after the proxy was restored");
        Assert.True(clock.Elapsed < BackWithin, $"back after {clock.Elapsed.TotalMilliseconds:0} ms");
        var after = await EtcdRecords.GetAsync(client, server.Key);
        Assert.NotEqual(before!.Value.Lease, after!.Value.Lease);
        Assert.Equal(before.Value.Value, after.Value.Value);
    }

    [Fact]
    public async Task Start_EtcdDown_ServesAtOnceAndRegistersWithinTwoSecondsOfEtcdStarting()
    {
        await using var node = await EtcdNode.StartAsync();
        await node.KillAsync();
        await using var server = await EchoServers.StartAsync(node.ClientUrl, "late-echo");

        Assert.Equal($"early (from {server.InstanceId})", await server.UnaryAsync("early", TimeSpan.FromSeconds(5)));
        await node.StartAgainAsync();
        var clock = Stopwatch.StartNew();
        using var client = node.CreateClient();

        await Eventually.UntilAsync(() => EtcdRecords.ExistsAsync(client, server.Key), BackWithin, "registered once etcd answers");
        output.WriteLine($"registered {clock.Elapsed.TotalMilliseconds:0} ms after etcd answered");
        Assert.True(clock.Elapsed < BackWithin, $"registered after {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}
