using System.Globalization;
using System.Text;
using Discovery.Etcd.Records;
using dotnet_etcd;
using Grpc.Net.Client;

namespace Discovery.Testing;

/// <summary>
/// The built EchoServer sample run as a real child process against a real etcd. Without
/// <see cref="EchoServerOptions"/> it keeps the sample's registration defaults (lease TTL 10 s, drain delay 2 s) and
/// logs warnings and its start-up line.
/// </summary>
/// <example><code>
/// await using var server = await EchoServerProcess.StartRegisteredAsync([etcd.ClientUrl], client, "echo", "s1");
/// await server.StopGracefullyAsync();   // SIGTERM: deregisters, drains, exits
/// </code></example>
public sealed class EchoServerProcess : IAsyncDisposable
{
    /// <summary>How long a start waits for the listening line or the registration unless told otherwise.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);
    private const string ListeningLine = "EchoServer listening on http://";

    private readonly Lock _gate = new();
    private int _port;
    private GrpcChannel? _channel;

    private EchoServerProcess(ChildProcess process, string service, string instanceId, int port)
    {
        Process = process;
        Service = service;
        InstanceId = instanceId;
        _port = port;
    }

    /// <summary>The process, to signal it or read its output.</summary>
    public ChildProcess Process { get; }

    /// <summary>The service it registers.</summary>
    public string Service { get; }

    /// <summary>Its <c>Discovery:Registration:InstanceId</c>.</summary>
    public string InstanceId { get; }

    /// <summary>
    /// The loopback port it listens on. A server started on port 0 learns it from its listening line: await
    /// <see cref="WaitListeningAsync"/> (or start it with <see cref="StartListeningAsync"/>) first.
    /// </summary>
    public int Port => Volatile.Read(ref _port) is var port and not 0
        ? port
        : throw new InvalidOperationException($"{InstanceId} was started on port 0: await WaitListeningAsync() to learn its port.");

    /// <summary>The bound <c>127.0.0.1:port</c>, as its record's address.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The etcd key of its record (no key prefix).</summary>
    public string Key => $"{Service}/{Address}";

    /// <summary>A plaintext HTTP/2 channel to it, made on first use and disposed with the server.</summary>
    public GrpcChannel Channel
    {
        get
        {
            lock (_gate)
            {
                return _channel ??= GrpcChannel.ForAddress($"http://{Address}");
            }
        }
    }

    /// <summary>
    /// Starts a server without waiting for it. <paramref name="port"/>: null for a free port chosen here (known at
    /// once), 0 to let Kestrel choose (known after <see cref="WaitListeningAsync"/>), or a fixed port.
    /// </summary>
    public static EchoServerProcess Start(
        IReadOnlyList<string> etcdUrls, string service, string instanceId, int? port = null, EchoServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(etcdUrls);
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var chosen = port ?? FreePort.Next();
        List<string> args =
        [
            "--urls", $"http://127.0.0.1:{chosen}",
            $"--Discovery:Registration:ServiceName={service}",
            $"--Discovery:Registration:InstanceId={instanceId}",
        ];
        for (var i = 0; i < etcdUrls.Count; i++)
        {
            args.Add($"--Discovery:Etcd:Endpoints:{i}={etcdUrls[i]}");
        }

        // The options come last: their extra arguments may override any of the above.
        args.AddRange((options ?? new EchoServerOptions()).ToArguments());
        return new EchoServerProcess(ChildProcess.StartDotnet(SampleApps.EchoServerDll, args), service, instanceId, chosen);
    }

    /// <summary>Starts a server and returns once it listens (not once it registered: etcd may be down).</summary>
    public static async Task<EchoServerProcess> StartListeningAsync(
        IReadOnlyList<string> etcdUrls, string service, string instanceId, int? port = null, EchoServerOptions? options = null)
    {
        var server = Start(etcdUrls, service, instanceId, port, options);
        try
        {
            await server.WaitListeningAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>
    /// Starts a server and returns once <paramref name="etcd"/> holds its record, within <paramref name="timeout"/>
    /// (<see cref="StartTimeout"/> when null).
    /// </summary>
    public static async Task<EchoServerProcess> StartRegisteredAsync(
        IReadOnlyList<string> etcdUrls,
        EtcdClient etcd,
        string service,
        string instanceId,
        int? port = null,
        EchoServerOptions? options = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        var server = Start(etcdUrls, service, instanceId, port, options);
        try
        {
            await server.WaitRegisteredAsync(etcd, timeout ?? StartTimeout).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Waits until the record of <paramref name="instanceId"/> is in etcd (or gone from it).</summary>
    public static Task WaitForRecordAsync(EtcdClient etcd, string service, string instanceId, bool present, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        return Eventually.UntilAsync(
            async () => (await etcd.GetPrefixAsync(service + "/").ConfigureAwait(false)).Values.Any(v => IsRecordOf(v, instanceId)) == present,
            timeout,
            $"record of {instanceId} {(present ? "present in" : "gone from")} etcd");
    }

    /// <summary>Waits for its listening line (<see cref="StartTimeout"/>) and learns its port from it.</summary>
    public async Task WaitListeningAsync()
    {
        var line = await Process.WaitForOutputLineAsync(l => l.Contains(ListeningLine, StringComparison.Ordinal), StartTimeout).ConfigureAwait(false);
        var address = line[(line.IndexOf(ListeningLine, StringComparison.Ordinal) + ListeningLine.Length)..].Split(',')[0].Trim();
        var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        Interlocked.CompareExchange(ref _port, port, 0);
    }

    /// <summary>
    /// Waits (<see cref="StartTimeout"/>) for its own log line saying its records were written; needs the sample's
    /// Information level for Discovery.Hosting (empty <see cref="EchoServerOptions.LogLevels"/>).
    /// </summary>
    public Task WaitRegistrationLoggedAsync() =>
        Process.WaitForOutputLineAsync(l => l.Contains($"Registered {Service} in etcd", StringComparison.Ordinal), StartTimeout);

    /// <summary>Waits until etcd holds its record.</summary>
    public Task WaitRegisteredAsync(EtcdClient etcd, TimeSpan timeout) => WaitForRecordAsync(etcd, Service, InstanceId, present: true, timeout);

    /// <summary>Waits until its record is gone from etcd.</summary>
    public Task WaitUnregisteredAsync(EtcdClient etcd, TimeSpan timeout) => WaitForRecordAsync(etcd, Service, InstanceId, present: false, timeout);

    /// <summary>True when etcd holds its record now.</summary>
    public async Task<bool> IsRegisteredAsync(EtcdClient etcd)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        return (await etcd.GetPrefixAsync(Service + "/").ConfigureAwait(false)).Values.Any(IsOwnRecord);
    }

    /// <summary>True when <paramref name="value"/> is a record of this instance.</summary>
    public bool IsOwnRecord(string value) => IsRecordOf(value, InstanceId);

    /// <summary>SIGTERM and wait (30 s unless told otherwise): the server deregisters, drains, and exits.</summary>
    public async Task StopGracefullyAsync(TimeSpan? timeout = null)
    {
        Process.SendSignal(15);
        await Process.WaitForExitAsync(timeout ?? StopTimeout).ConfigureAwait(false);
    }

    /// <summary>SIGKILL and wait: the record stays in etcd until its lease expires.</summary>
    public async Task KillAsync()
    {
        Process.SendSignal(9);
        await Process.WaitForExitAsync(KillTimeout).ConfigureAwait(false);
    }

    /// <summary>Disposes the channel and kills the process if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        GrpcChannel? channel;
        lock (_gate)
        {
            channel = _channel;
        }

        channel?.Dispose();
        await Process.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() =>
        Volatile.Read(ref _port) is var port and not 0 ? $"{InstanceId} at 127.0.0.1:{port}" : $"{InstanceId} (port not known yet)";

    private static bool IsRecordOf(string value, string instanceId) =>
        EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes(value), out var record, out _) && record!.Id == instanceId;
}
