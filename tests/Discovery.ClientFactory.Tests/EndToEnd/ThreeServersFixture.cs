using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>
/// etcd and three EchoServers of one service, shared by the tests that only call them:
/// s1 (v1, weight 1, zone a), s2 (v1, weight 2, zone b), s3 (v2, weight 3, zone b).
/// </summary>
public sealed class ThreeServersFixture : IAsyncLifetime
{
    private readonly List<EchoServerProcess> _servers = [];

    public EtcdNode Etcd { get; private set; } = null!;

    public string Service { get; } = ServiceNames.New();

    public async Task InitializeAsync()
    {
        Etcd = await EtcdNode.StartAsync();
        var started = await Task.WhenAll(
            EchoServers.StartAsync(Etcd, Service, "s1", EchoServers.Options with { Version = "v1", Weight = 1, Zone = "a" }),
            EchoServers.StartAsync(Etcd, Service, "s2", EchoServers.Options with { Version = "v1", Weight = 2, Zone = "b" }),
            EchoServers.StartAsync(Etcd, Service, "s3", EchoServers.Options with { Version = "v2", Weight = 3, Zone = "b" }));
        _servers.AddRange(started);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        await Etcd.DisposeAsync();
    }
}

/// <summary>The tests that share one <see cref="ThreeServersFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ThreeServersCollection : ICollectionFixture<ThreeServersFixture>
{
    public const string Name = "three servers";
}
