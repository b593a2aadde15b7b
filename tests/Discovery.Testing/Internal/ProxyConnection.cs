using System.Net;
using System.Net.Sockets;

namespace Discovery.Testing.Internal;

/// <summary>One proxied connection: the accepted socket, the socket to the target and a pump each way.</summary>
internal sealed class ProxyConnection
{
    private readonly Socket _client;
    private readonly Socket _target = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private int _aborted;

    public ProxyConnection(Socket client) => _client = client;

    /// <summary>Completes when both pumps have stopped; never faults.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start(int targetPort, Func<bool> isCut, CancellationToken stopping) =>
        Completion = RunAsync(targetPort, isCut, stopping);

    /// <summary>Closes both sockets with a TCP reset.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            AbortSocket(_client);
            AbortSocket(_target);
        }
    }

    /// <summary>Linger 0 makes Close send RST instead of FIN, like a connection dropped by the network.</summary>
    public static void AbortSocket(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Dispose();
    }

    private async Task RunAsync(int targetPort, Func<bool> isCut, CancellationToken stopping)
    {
        try
        {
            await _target.ConnectAsync(new IPEndPoint(IPAddress.Loopback, targetPort), stopping).ConfigureAwait(false);
            // Cut may have run while connecting, before this connection was visible to it.
            if (isCut())
            {
                return;
            }

            await Task.WhenAll(PumpAsync(_client, _target, stopping), PumpAsync(_target, _client, stopping)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A test proxy must never fault: any failure just ends the connection.
        catch (Exception)
        {
            // Target down or connection aborted: the client sees a reset below.
        }
#pragma warning restore CA1031
        finally
        {
            Abort();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken stopping)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stopping).ConfigureAwait(false);
                if (read == 0)
                {
                    // Half-close: pass the FIN on and let the other direction finish.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, stopping).ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // See RunAsync.
        catch (Exception)
        {
            // One side failed: reset both so neither peer waits for data that will never come.
            Abort();
        }
#pragma warning restore CA1031
    }
}
