using dotnet_etcd;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>The EchoServer processes of one scenario, by instance id; disposes all of them.</summary>
internal sealed class ServerSet(IReadOnlyList<string> etcdUrls, EtcdClient etcd, string service) : IAsyncDisposable
{
    private readonly Dictionary<string, EchoServerProcess> _servers = new(StringComparer.Ordinal);
    private readonly List<EchoServerProcess> _retired = [];

    public IReadOnlyCollection<string> Live => _servers.Keys;

    public EchoServerProcess this[string instanceId] => _servers[instanceId];

    /// <summary>Starts servers concurrently and waits until each is registered.</summary>
    public async Task StartAsync(params string[] instanceIds)
    {
        var started = await Task.WhenAll(instanceIds.Select(id => EchoServerProcess.StartRegisteredAsync(etcdUrls, etcd, service, id)));
        foreach (var server in started)
        {
            _servers[server.InstanceId] = server;
        }
    }

    /// <summary>Starts one server on <paramref name="port"/> (any when null) and waits until it is registered.</summary>
    public async Task<EchoServerProcess> StartOneAsync(string instanceId, int? port = null)
    {
        var server = await EchoServerProcess.StartRegisteredAsync(etcdUrls, etcd, service, instanceId, port);
        _servers[instanceId] = server;
        return server;
    }

    /// <summary>Starts one server without waiting for its registration (etcd may be down).</summary>
    public EchoServerProcess StartUnregistered(string instanceId)
    {
        var server = EchoServerProcess.Start(etcdUrls, service, instanceId);
        _servers[instanceId] = server;
        return server;
    }

    public async Task StopGracefullyAsync(string instanceId)
    {
        var server = Retire(instanceId);
        await server.StopGracefullyAsync();
    }

    public async Task KillAsync(string instanceId)
    {
        var server = Retire(instanceId);
        await server.KillAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values.Concat(_retired))
        {
            await server.DisposeAsync();
        }
    }

    private EchoServerProcess Retire(string instanceId)
    {
        var server = _servers[instanceId];
        _servers.Remove(instanceId);
        _retired.Add(server);
        return server;
    }
}
