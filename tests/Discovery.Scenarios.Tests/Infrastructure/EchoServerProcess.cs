using System.Text;
using Discovery.Etcd.Records;
using Discovery.Testing;
using dotnet_etcd;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>A real EchoServer process with the registration defaults (lease TTL 10 s unless given, drain delay 2 s).</summary>
internal sealed class EchoServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private EchoServerProcess(ChildProcess process, string service, string instanceId, int port)
    {
        Process = process;
        Service = service;
        InstanceId = instanceId;
        Port = port;
    }

    public ChildProcess Process { get; }

    public string Service { get; }

    public string InstanceId { get; }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts a server on <paramref name="port"/> (a free one when null) without waiting for it; its lease TTL is
    /// <paramref name="leaseTtl"/> when given.
    /// </summary>
    public static EchoServerProcess Start(IReadOnlyList<string> etcdUrls, string service, string instanceId, int? port = null, TimeSpan? leaseTtl = null)
    {
        var chosen = port ?? FreePort.Next();
        List<string> args =
        [
            "--urls", $"http://127.0.0.1:{chosen}",
            $"--Discovery:Registration:ServiceName={service}",
            $"--Discovery:Registration:InstanceId={instanceId}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:EchoServer=Information",
            "--Logging:LogLevel:Discovery=Information",
        ];
        for (var i = 0; i < etcdUrls.Count; i++)
        {
            args.Add($"--Discovery:Etcd:Endpoints:{i}={etcdUrls[i]}");
        }

        if (leaseTtl is { } ttl)
        {
            args.Add($"--Discovery:Registration:LeaseTtl={ttl:c}");
        }

        return new EchoServerProcess(ChildProcess.StartDotnet(SampleApps.EchoServerDll, args), service, instanceId, chosen);
    }

    /// <summary>Starts a server and returns once etcd holds its record.</summary>
    public static async Task<EchoServerProcess> StartRegisteredAsync(
        IReadOnlyList<string> etcdUrls, EtcdClient etcd, string service, string instanceId, int? port = null)
    {
        var server = Start(etcdUrls, service, instanceId, port);
        try
        {
            await server.WaitRegisteredAsync(etcd, StartTimeout);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public Task WaitListeningAsync() => Process.WaitForOutputLineAsync(l => l.Contains("EchoServer listening on", StringComparison.Ordinal), StartTimeout);

    public Task WaitRegisteredAsync(EtcdClient etcd, TimeSpan timeout) =>
        Eventually.UntilAsync(async () => await IsRegisteredAsync(etcd), timeout, $"record of {InstanceId} in etcd");

    public Task WaitUnregisteredAsync(EtcdClient etcd, TimeSpan timeout) =>
        Eventually.UntilAsync(async () => !await IsRegisteredAsync(etcd), timeout, $"record of {InstanceId} gone from etcd");

    public async Task<bool> IsRegisteredAsync(EtcdClient etcd) =>
        (await etcd.GetPrefixAsync(Service + "/")).Values.Any(IsOwnRecord);

    public bool IsOwnRecord(string value) =>
        EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes(value), out var record, out _) && record!.Id == InstanceId;

    /// <summary>SIGTERM and wait: the server deregisters, drains, and exits.</summary>
    public async Task StopGracefullyAsync()
    {
        Process.SendSignal(15);
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGKILL and wait: the record stays in etcd until its lease expires.</summary>
    public async Task KillAsync()
    {
        Process.SendSignal(9);
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    public override string ToString() => $"{InstanceId} at {Address}";
}
