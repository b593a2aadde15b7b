using Discovery.Testing;
using Grpc.Core;
using Grpc.Examples.Echo;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>The sample's four methods, called on the real process over plaintext HTTP/2.</summary>
public sealed class EchoServiceTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>, IAsyncLifetime
{
    private EchoServerProcess? _server;

    private EchoServerProcess Server => _server!;

    public async Task InitializeAsync() => _server = await EchoServers.StartAsync(etcd.Node.ClientUrl, "methods-echo");

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [Fact]
    public async Task ClientStreamingEcho_ThreeMessages_RepliesOnceWithAllOfThem()
    {
        using var call = Server.Client.ClientStreamingEcho(deadline: DateTime.UtcNow.AddSeconds(10));
        foreach (var message in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = message });
        }

        await call.RequestStream.CompleteAsync();

        Assert.Equal($"a, b, c (from {Server.InstanceId})", (await call).Message);
    }

    [Fact]
    public async Task BidirectionalStreamingEcho_EachMessage_EchoedInOrder()
    {
        using var call = Server.Client.BidirectionalStreamingEcho(deadline: DateTime.UtcNow.AddSeconds(10));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "x" });
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "y" });
        await call.RequestStream.CompleteAsync();

        var replies = await call.ResponseStream.ReadAllAsync().Select(r => r.Message).ToListAsync();

        Assert.Equal([$"x (from {Server.InstanceId})", $"y (from {Server.InstanceId})"], replies);
    }
}
