using System.Diagnostics;
using System.Globalization;
using Discovery.Testing.Internal;
using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;

namespace Discovery.Testing;

/// <summary>
/// A real etcd process on 127.0.0.1 with its data in a private folder, which a test can kill, pause, restart or wipe.
/// Disposal kills the process and deletes the folder.
/// </summary>
/// <example><code>
/// await using var node = await EtcdNode.StartAsync();
/// using var client = node.CreateClient();
/// await client.PutAsync("svc/echo/a", "x", 0L);
/// await node.RestartAsync();
/// </code></example>
public sealed class EtcdNode : IAsyncDisposable
{
    /// <summary>Where Debian's etcd-server package installs etcd.</summary>
    public const string EtcdPath = "/usr/bin/etcd";

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);
    private static int s_counter;

    private readonly EtcdNodeOptions _options;
    private readonly string _folder;
    private readonly TestCertificates? _ownedCertificates;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private EtcdClient? _controlClient;
    private Process? _process;
    private bool _paused;
    private int _disposed;

    internal EtcdNode(EtcdNodeOptions options, string name, int clientPort, int peerPort, string clusterToken)
    {
        _options = options;
        Name = name;
        ClientPort = clientPort;
        PeerPort = peerPort;
        ClusterToken = clusterToken;
        InitialCluster = $"{name}={PeerUrl}";
        _folder = Path.Combine(ProcessRegistry.RunFolder, $"{name}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(_folder);
        if (options.Tls && options.Certificates is null)
        {
            _ownedCertificates = TestCertificates.Create();
        }
    }

    /// <summary>The etcd member name.</summary>
    public string Name { get; }

    /// <summary><c>http://127.0.0.1:{ClientPort}</c>, or https when the node serves TLS.</summary>
    public string ClientUrl => $"{(IsTls ? "https" : "http")}://127.0.0.1:{ClientPort}";

    /// <summary>The client port on 127.0.0.1.</summary>
    public int ClientPort { get; }

    /// <summary>The peer (raft) port on 127.0.0.1.</summary>
    public int PeerPort { get; }

    /// <summary><c>http://127.0.0.1:{PeerPort}</c>.</summary>
    public string PeerUrl => $"http://127.0.0.1:{PeerPort}";

    /// <summary>The etcd data directory (under /dev/shm/discovery-tests when /dev/shm exists).</summary>
    public string DataDirectory => Path.Combine(_folder, "data");

    /// <summary>The file receiving etcd's stdout and stderr.</summary>
    public string LogFile => Path.Combine(_folder, "etcd.log");

    /// <summary>True while the process is alive (also while paused).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => _paused && IsRunning;

    /// <summary>The process id of the current etcd process, or null when not running.</summary>
    public int? ProcessId => IsRunning ? _process!.Id : null;

    /// <summary>The certificates the node serves with, when TLS is on.</summary>
    public TestCertificates? Certificates => _options.Certificates ?? _ownedCertificates;

    /// <summary>The options the node was started with.</summary>
    public EtcdNodeOptions Options => _options;

    internal bool IsTls => _options.Tls;

    internal string ClusterToken { get; }

    internal string InitialCluster { get; set; }

    /// <summary>Starts a plaintext single-node etcd and waits until it answers.</summary>
    public static Task<EtcdNode> StartAsync(CancellationToken ct = default) => StartAsync(new EtcdNodeOptions(), ct);

    /// <summary>Starts a single-node etcd configured by <paramref name="options"/> and waits until it answers (and auth is on, if asked).</summary>
    public static async Task<EtcdNode> StartAsync(EtcdNodeOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureInstalled();
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var name = options.Name ?? $"etcd-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
            var node = new EtcdNode(options, name, FreePort.Next(), FreePort.Next(), $"discovery-{Guid.NewGuid():N}");
            try
            {
                await node.StartProcessAndWaitAsync(freshData: true, ct).ConfigureAwait(false);
                return node;
            }
            catch (Exception) when (attempt < attempts && EtcdLog.Contains(node.LogFile, "address already in use"))
            {
                // Another process took a port between FreePort.Next and etcd's bind: try other ports.
                await node.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await node.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Kills etcd with SIGKILL (no clean shutdown) and waits for the exit. No-op when not running.</summary>
    public async Task KillAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await KillCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops etcd with SIGTERM and waits for the exit; kills it if it is still alive after 5 s.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_process is not { HasExited: false } process)
            {
                return;
            }

            if (_paused)
            {
                LibC.TrySignal(process.Id, LibC.SigCont);
                _paused = false;
            }

            LibC.TrySignal(process.Id, LibC.SigTerm);
            try
            {
                await process.WaitForExitAsync().WaitAsync(StopGrace).ConfigureAwait(false);
                ProcessRegistry.Unregister(process.Id);
            }
            catch (TimeoutException)
            {
                await KillCoreAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Freezes etcd with SIGSTOP: connections stay open but nothing answers (a hung server). Returns once every etcd
    /// thread is stopped (at most ~2 s).
    /// </summary>
    public void Pause()
    {
        var process = _process is { HasExited: false } p ? p : throw new InvalidOperationException($"etcd '{Name}' is not running.");
        LibC.TrySignal(process.Id, LibC.SigStop);
        _paused = true;
        var clock = Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while (!ProcFs.IsStopped(process.Id))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(2))
            {
                throw new InvalidOperationException($"etcd '{Name}' (pid {process.Id}) did not stop within 2 s of SIGSTOP.");
            }

            spinner.SpinOnce();
        }
    }

    /// <summary>Lets a paused etcd continue (SIGCONT).</summary>
    public void Resume()
    {
        var process = _process is { HasExited: false } p ? p : throw new InvalidOperationException($"etcd '{Name}' is not running.");
        LibC.TrySignal(process.Id, LibC.SigCont);
        _paused = false;
    }

    /// <summary>
    /// Starts etcd again with the same name and ports, keeping the data unless <paramref name="wipeData"/>, and waits until
    /// it answers. A wiped node keeps its cluster token, like a member restored from nothing.
    /// </summary>
    public async Task StartAgainAsync(bool wipeData = false, CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (IsRunning)
            {
                throw new InvalidOperationException($"etcd '{Name}' is still running: kill or stop it first.");
            }

            if (wipeData && Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }

            await StartProcessAndWaitAsync(freshData: wipeData, ct).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary><see cref="KillAsync"/>, then <see cref="StartAgainAsync"/>.</summary>
    public async Task RestartAsync(bool wipeData = false, CancellationToken ct = default)
    {
        await KillAsync().ConfigureAwait(false);
        await StartAgainAsync(wipeData, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A new client for arranging and inspecting test data, with short reconnect backoff (100 ms to 1 s). On TLS nodes
    /// it trusts the test CA and presents the client certificate; on auth nodes it logs in as root. The caller disposes it.
    /// </summary>
    public EtcdClient CreateClient()
    {
        var client = CreateAnonymousClient();
        if (_options.EnableAuth)
        {
            client.SetCredentials("root", _options.RootPassword);
        }

        return client;
    }

    /// <summary>Kills etcd if running and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await KillCoreAsync().ConfigureAwait(false);
            _process?.Dispose();
            _controlClient?.Dispose();
            _ownedCertificates?.Dispose();
            ProcessRegistry.TryDeleteFolder(_folder);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"etcd '{Name}' at {ClientUrl}";

    internal static void EnsureInstalled()
    {
        if (!File.Exists(EtcdPath))
        {
            throw new InvalidOperationException("etcd is not installed: run `sudo apt-get install -y etcd-server etcd-client`");
        }
    }

    /// <summary>The Status RPC of this member, with a 1 s deadline; null when it does not answer.</summary>
    internal async Task<StatusResponse?> TryStatusAsync(CancellationToken ct)
    {
        if (!IsRunning || _paused)
        {
            return null;
        }

        try
        {
            var client = _controlClient;
            if (client is null)
            {
                var created = CreateAnonymousClient();
                client = Interlocked.CompareExchange(ref _controlClient, created, null) ?? created;
                if (!ReferenceEquals(client, created))
                {
                    created.Dispose();
                }
            }

            return await client.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Launches the process; the caller waits with <see cref="WaitUntilAnswersAsync"/>.</summary>
    internal void StartProcess()
    {
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // exec keeps the pid (and /proc cmdline) etcd's own; output goes straight to the file, so nothing in this
        // process has to drain pipes and the log survives a crash of the test run.
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$DISCOVERY_ETCD_LOG\" 2>&1");
        startInfo.ArgumentList.Add(EtcdPath);
        foreach (var argument in EtcdCommandLine.Build(this))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var key in startInfo.Environment.Keys.Where(k => k.StartsWith("ETCD", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        startInfo.Environment["DISCOVERY_ETCD_LOG"] = LogFile;
        _process?.Dispose();
        _paused = false;
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("Process.Start returned null for etcd.");
        ProcessRegistry.Register(_process.Id, DataDirectory);
    }

    /// <summary>Polls Status until this member reports a leader; throws with the log tail after 15 s or when etcd exits.</summary>
    internal async Task WaitUntilAnswersAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process is not { HasExited: false })
            {
                throw StartFailure($"etcd exited with code {_process?.ExitCode.ToString(CultureInfo.InvariantCulture) ?? "?"} while starting");
            }

            if (await TryStatusAsync(ct).ConfigureAwait(false) is { Leader: not 0 })
            {
                return;
            }

            if (clock.Elapsed > AnswerTimeout)
            {
                throw StartFailure($"etcd did not answer a Status call with a leader within {AnswerTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(25, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Creates user root, grants it role root and turns auth on.</summary>
    internal async Task EnableAuthAsync(CancellationToken ct)
    {
        using var client = CreateAnonymousClient();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        await client.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = _options.RootPassword }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
        await client.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
        await client.AuthEnableAsync(new AuthEnableRequest(), deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
    }

    internal async Task StartProcessAndWaitAsync(bool freshData, CancellationToken ct)
    {
        StartProcess();
        try
        {
            await WaitUntilAnswersAsync(ct).ConfigureAwait(false);
            if (freshData && _options.EnableAuth)
            {
                await EnableAuthAsync(ct).ConfigureAwait(false);
            }
        }
        catch
        {
            // No stray etcd when a start fails.
            await KillCoreAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task KillCoreAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            LibC.TrySignal(process.Id, LibC.SigKill);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        _paused = false;
        ProcessRegistry.Unregister(process.Id);
    }

    private EtcdClient CreateAnonymousClient()
    {
        static void FastReconnect(Grpc.Net.Client.GrpcChannelOptions o)
        {
            o.InitialReconnectBackoff = TimeSpan.FromMilliseconds(100);
            o.MaxReconnectBackoff = TimeSpan.FromSeconds(1);
        }

        if (!IsTls)
        {
            return new EtcdClient(ClientUrl, configureChannelOptions: FastReconnect);
        }

        var certificates = Certificates!;
        return new EtcdClient(ClientUrl, o => certificates.ConfigureClient(o), configureChannelOptions: FastReconnect);
    }

    private InvalidOperationException StartFailure(string what) => new(
        $"{what}: {this}, data {DataDirectory}.{Environment.NewLine}"
        + "Hint: look for 'address already in use' (a port race with another process), certificate errors (TLS), "
        + $"or a very slow machine. Full log: {LogFile}{Environment.NewLine}"
        + $"--- etcd log (last 30 lines) ---{Environment.NewLine}{EtcdLog.Tail(LogFile)}");
}
