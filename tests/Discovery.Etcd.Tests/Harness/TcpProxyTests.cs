using Discovery.Testing;
using dotnet_etcd;

namespace Discovery.Etcd.Tests.Harness;

public sealed class TcpProxyTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Start_ForwardsToTarget()
    {
        await using var proxy = TcpProxy.Start(etcd.Node.ClientPort);
        using var client = new EtcdClient(proxy.Url);

        await client.PutAsync("harness/proxy", "via", 0L);

        using var direct = etcd.Node.CreateClient();
        Assert.Equal("via", (await direct.GetPrefixAsync("harness/proxy"))["harness/proxy"]);
    }

    [Fact]
    public async Task Cut_CallsThroughProxyFailWhileDirectCallsWork_RestoreHeals()
    {
        await using var proxy = TcpProxy.Start(etcd.Node.ClientPort);
        using var viaProxy = new EtcdClient(proxy.Url, configureChannelOptions: o =>
        {
            o.InitialReconnectBackoff = TimeSpan.FromMilliseconds(100);
            o.MaxReconnectBackoff = TimeSpan.FromSeconds(1);
        });
        using var direct = etcd.Node.CreateClient();
        await viaProxy.PutAsync("harness/cut", "before", 0L);

        proxy.Cut();
        var failedThroughProxy = await CallOutcome.FailsAsync(() => viaProxy.GetAsync("harness/cut", deadline: DateTime.UtcNow.AddSeconds(1)));
        await direct.PutAsync("harness/cut", "during", 0L);
        proxy.Restore();

        Assert.True(failedThroughProxy, "a call through a cut proxy should fail");
        await Eventually.UntilAsync(
            async () => (await viaProxy.GetPrefixAsync("harness/cut"))["harness/cut"] == "during", Wait, "calls through the restored proxy succeed");
    }

    [Fact]
    public async Task Cut_ResetsOpenConnections()
    {
        await using var proxy = TcpProxy.Start(etcd.Node.ClientPort);
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, proxy.Port);
        await Eventually.UntilAsync(() => proxy.OpenConnections == 1, Wait, "the proxy forwards the connection");

        proxy.Cut();

        var buffer = new byte[1];
        var error = await Record.ExceptionAsync(async () =>
        {
            using var timeout = new CancellationTokenSource(Wait);
            var read = await socket.GetStream().ReadAsync(buffer, timeout.Token);
            Assert.Fail($"expected a reset, read {read} bytes");
        });
        Assert.IsType<IOException>(error);
        Assert.True(proxy.IsCut);
    }
}
