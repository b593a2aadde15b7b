using Discovery.Testing;
using dotnet_etcd;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// The EchoServer processes of one scenario, by instance id; disposes all of them. Safe for the churn's overlapping
/// starts and stops. Servers get the default lease TTL unless <c>leaseTtl</c> is given, and the server user's etcd
/// credentials in the auth mode (<see cref="ScenarioAuth"/>).
/// </summary>
internal sealed class ServerSet(
    IReadOnlyList<string> etcdUrls, EtcdClient etcd, string service, TimeSpan? leaseTtl = null, IReadOnlyList<string>? extraArguments = null) : IAsyncDisposable
{
    // Warnings, plus Discovery's own lines down to Debug (registered, lease gone, registered again, how long each login
    // took, each failed attempt): a failed scenario prints them, and they are what tells a slow registration from a
    // slow client, and where a slow registration spent its time.
    private readonly Dictionary<string, string> _logLevels =
        new(EchoServerOptions.QuietLogLevels, StringComparer.Ordinal) { ["Discovery"] = "Debug" };

    private readonly Lock _lock = new();
    private readonly Dictionary<string, EchoServerProcess> _servers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);
    private readonly List<EchoServerProcess> _retired = [];

    /// <summary>Servers started and not stopped, registered or not yet.</summary>
    public IReadOnlyList<string> Live
    {
        get
        {
            lock (_lock)
            {
                return [.. _servers.Keys];
            }
        }
    }

    /// <summary>Live servers whose registration was seen in etcd.</summary>
    public IReadOnlyList<string> Registered
    {
        get
        {
            lock (_lock)
            {
                return [.. _servers.Keys.Where(_registered.Contains)];
            }
        }
    }

    public EchoServerProcess this[string instanceId]
    {
        get
        {
            lock (_lock)
            {
                return _servers[instanceId];
            }
        }
    }

    /// <summary>Starts servers concurrently and waits until each is registered.</summary>
    public Task StartAsync(params string[] instanceIds) => Task.WhenAll(instanceIds.Select(id => StartOneAsync(id)));

    /// <summary>Starts one server on <paramref name="port"/> (any when null) and waits until it is registered.</summary>
    /// <remarks>The server counts as live from the moment it is started.</remarks>
    public async Task<EchoServerProcess> StartOneAsync(string instanceId, int? port = null)
    {
        await ScenarioAuth.PrepareAsync(etcdUrls, service);
        var server = StartUnregistered(instanceId, port);
        try
        {
            await server.WaitRegisteredAsync(etcd, EchoServerProcess.StartTimeout);
        }
        catch (EventuallyTimeoutException ex)
        {
            // The server's own account of why, in the failure itself (scenarios run many servers at once).
            throw new InvalidOperationException(
                $"{ex.Message}{Environment.NewLine}--- {instanceId} ---{Environment.NewLine}{string.Join(Environment.NewLine, server.Process.StandardOutputLines.TakeLast(60))}",
                ex);
        }

        lock (_lock)
        {
            _registered.Add(instanceId);
        }

        return server;
    }

    /// <summary>Starts one server without waiting for its registration (etcd may be down).</summary>
    /// <remarks>In the auth mode the service's roles must exist already (any <see cref="StartOneAsync"/> before made them).</remarks>
    public EchoServerProcess StartUnregistered(string instanceId, int? port = null)
    {
        // The test's extra arguments come last, so they may override the credentials.
        var options = new EchoServerOptions
        {
            LeaseTtl = leaseTtl,
            ExtraArguments = [.. ScenarioAuth.ServerArguments(etcdUrls, service), .. extraArguments ?? []],
            LogLevels = _logLevels,
        };
        var server = EchoServerProcess.Start(etcdUrls, service, instanceId, port, options);
        lock (_lock)
        {
            _servers[instanceId] = server;
            _registered.Remove(instanceId);
        }

        return server;
    }

    public Task StopGracefullyAsync(string instanceId) => Retire(instanceId).StopGracefullyAsync();

    public Task KillAsync(string instanceId) => Retire(instanceId).KillAsync();

    public async ValueTask DisposeAsync()
    {
        List<EchoServerProcess> all;
        lock (_lock)
        {
            all = [.. _servers.Values, .. _retired];
        }

        foreach (var server in all)
        {
            await server.DisposeAsync();
        }
    }

    private EchoServerProcess Retire(string instanceId)
    {
        lock (_lock)
        {
            var server = _servers[instanceId];
            _servers.Remove(instanceId);
            _registered.Remove(instanceId);
            _retired.Add(server);
            return server;
        }
    }
}
