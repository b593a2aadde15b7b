using System.Net;
using System.Net.Sockets;

namespace Discovery.Testing;

/// <summary>Loopback ports for test servers.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>
    /// A port that was free on 127.0.0.1 a moment ago (bound, then released) and that this process has never handed out
    /// before, so a restarted server never collides with an older one of the same test run.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            if (Reserve(port))
            {
                return port;
            }
        }
    }

    /// <summary>Marks a port bound by other means as used; false when it was handed out already.</summary>
    internal static bool Reserve(int port)
    {
        lock (Handed)
        {
            return Handed.Add(port);
        }
    }
}
