using System.Text;
using Discovery.Etcd.Records;
using Discovery.Testing;
using dotnet_etcd;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>A real EchoServer process registered in etcd.</summary>
internal sealed class EchoServerProcess : IAsyncDisposable
{
    private EchoServerProcess(ChildProcess process, string service, string instanceId)
    {
        Process = process;
        Service = service;
        InstanceId = instanceId;
    }

    public ChildProcess Process { get; }

    public string Service { get; }

    public string InstanceId { get; }

    /// <summary>Starts a server and returns once etcd holds its record.</summary>
    public static async Task<EchoServerProcess> StartAsync(
        EtcdNode etcd, string service, string instanceId, string version = "v1", int? weight = null, string? zone = null, TimeSpan? delay = null, string? etcdUrl = null)
    {
        List<string> args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--Discovery:Etcd:Endpoints:0={etcdUrl ?? etcd.ClientUrl}",
            $"--Discovery:Registration:ServiceName={service}",
            $"--Discovery:Registration:InstanceId={instanceId}",
            $"--Discovery:Registration:Version={version}",
            "--Discovery:Registration:LeaseTtl=00:00:02",
            "--Discovery:Registration:DrainDelay=00:00:00.500",
            "--Logging:LogLevel:Default=Warning",
        ];
        if (weight is not null)
        {
            args.Add($"--Discovery:Registration:Weight={weight}");
        }

        if (zone is not null)
        {
            args.Add($"--Discovery:Registration:Zone={zone}");
        }

        if (delay is not null)
        {
            args.Add($"--Echo:Delay={delay:c}");
        }

        var process = ChildProcess.StartDotnet(SampleApps.EchoServerDll, args);
        var server = new EchoServerProcess(process, service, instanceId);
        try
        {
            using var client = etcd.CreateClient();
            await WaitForRecordAsync(client, service, instanceId, present: true, TimeSpan.FromSeconds(20));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public static async Task WaitForRecordAsync(EtcdClient client, string service, string instanceId, bool present, TimeSpan timeout) =>
        await Eventually.UntilAsync(
            async () => (await client.GetPrefixAsync(service + "/")).Values.Any(v => IsRecordOf(v, instanceId)) == present,
            timeout,
            $"record of {instanceId} {(present ? "present" : "gone")} in etcd");

    private static bool IsRecordOf(string value, string instanceId) =>
        EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes(value), out var record, out _) && record!.Id == instanceId;

    /// <summary>SIGTERM: the server deregisters, drains briefly, and exits.</summary>
    public async Task StopGracefullyAsync()
    {
        Process.SendSignal(15);
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(15));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
