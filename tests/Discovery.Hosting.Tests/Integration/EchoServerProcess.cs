using System.Globalization;
using Discovery.Testing;
using Grpc.Examples.Echo;
using Grpc.Net.Client;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>The built EchoServer sample run as a real child process against a real etcd.</summary>
internal sealed class EchoServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private GrpcChannel? _channel;

    private EchoServerProcess(ChildProcess process, string service, string instanceId, string address)
    {
        Process = process;
        Service = service;
        InstanceId = instanceId;
        Address = address;
    }

    public ChildProcess Process { get; }

    public string Service { get; }

    public string InstanceId { get; }

    /// <summary>The bound <c>127.0.0.1:port</c>.</summary>
    public string Address { get; }

    /// <summary>The etcd key of its record (no key prefix).</summary>
    public string Key => $"{Service}/{Address}";

    public Echo.EchoClient Client => new((_channel ??= GrpcChannel.ForAddress($"http://{Address}")));

    /// <summary>Starts EchoServer on a free loopback port and waits until it listens (not until it registered).</summary>
    public static async Task<EchoServerProcess> StartAsync(string etcdUrl, string service, params string[] extraArguments)
    {
        var instanceId = "s-" + Guid.NewGuid().ToString("N")[..6];
        string[] arguments =
        [
            "--urls", "http://127.0.0.1:0",
            $"--Discovery:Etcd:Endpoints:0={etcdUrl}",
            $"--Discovery:Registration:ServiceName={service}",
            $"--Discovery:Registration:InstanceId={instanceId}",
            "--Discovery:Registration:Version=v1",
            $"--Discovery:Registration:LeaseTtl={LeaseTtl:c}",
            .. extraArguments,
        ];
        var process = ChildProcess.StartDotnet(SampleApps.EchoServerDll, arguments);
        try
        {
            const string marker = "EchoServer listening on http://";
            var line = await process.WaitForOutputLineAsync(l => l.Contains(marker, StringComparison.Ordinal), StartTimeout);
            var address = line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Split(',')[0].Trim();
            return new EchoServerProcess(process, service, instanceId, address);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for the log line saying the records were written.</summary>
    public Task WaitRegisteredAsync() =>
        Process.WaitForOutputLineAsync(l => l.Contains($"Registered {Service} in etcd", StringComparison.Ordinal), StartTimeout);

    public async Task<string> UnaryAsync(string message, TimeSpan timeout)
    {
        var reply = await Client.UnaryEchoAsync(new EchoRequest { Message = message }, deadline: DateTime.UtcNow + timeout);
        return reply.Message;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await Process.DisposeAsync();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"EchoServer {InstanceId} at {Address}");
}
