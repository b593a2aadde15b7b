using Discovery.Testing.Internal;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Discovery.Testing;

/// <summary>
/// A loopback TCP forwarder that a test can cut like a pulled cable: <see cref="Cut"/> resets every open connection
/// and refuses new ones until <see cref="Restore"/>, while the target (etcd) keeps running.
/// </summary>
/// <example><code>
/// await using var proxy = TcpProxy.Start(node.ClientPort);
/// using var client = new EtcdClient(proxy.Url);
/// proxy.Cut();  // calls through the proxy now fail; direct calls still work
/// </code></example>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<ProxyConnection, byte> _connections = new();
    private readonly Task _acceptLoop;
    private volatile bool _isCut;
    private int _disposed;

    private TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        FreePort.Reserve(Port);
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
    }

    /// <summary>The port the proxy listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{Port}</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>The port connections are forwarded to on 127.0.0.1.</summary>
    public int TargetPort => _targetPort;

    /// <summary>True between <see cref="Cut"/> and <see cref="Restore"/>.</summary>
    public bool IsCut => _isCut;

    /// <summary>Number of connections currently forwarded.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Starts forwarding a free loopback port to <c>127.0.0.1:{targetPort}</c>.</summary>
    public static TcpProxy Start(int targetPort)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetPort);
        return new TcpProxy(targetPort);
    }

    /// <summary>Aborts (RST) every open connection and aborts new ones as soon as they are accepted, until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _isCut = true;
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }
    }

    /// <summary>Forwards new connections again.</summary>
    public void Restore() => _isCut = false;

    /// <summary>Stops listening and aborts every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }

        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Keys.Select(c => c.Completion)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    // Never faults: every exception is handled here or in ProxyConnection.
    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The accept loop must never fault; a failed accept is retried until disposal.
            catch (Exception)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
#pragma warning restore CA1031

            if (_isCut)
            {
                ProxyConnection.AbortSocket(accepted);
                continue;
            }

            var connection = new ProxyConnection(accepted);
            _connections[connection] = 0;
            connection.Start(_targetPort, () => _isCut, stopping);
            _ = connection.Completion.ContinueWith(
                (completed, state) => _connections.TryRemove((ProxyConnection)state!, out var _),
                connection,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
