using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>EchoServers of one test, all disposed with it.</summary>
internal sealed class ServerSet : IAsyncDisposable
{
    private readonly List<EchoServerProcess> _servers = [];

    public static async Task<ServerSet> StartAsync(EtcdNode etcd, string service, params string[] ids)
    {
        var set = new ServerSet();
        try
        {
            set._servers.AddRange(await Task.WhenAll(ids.Select(id => EchoServers.StartAsync(etcd, service, id))));
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }

        return set;
    }

    public async Task AddAsync(EtcdNode etcd, string service, string id) =>
        _servers.Add(await EchoServers.StartAsync(etcd, service, id));

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
