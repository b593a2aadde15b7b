using System.Globalization;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>
/// The TCP connections this test process holds open, read from Linux's /proc: /proc/net/tcp and tcp6 list every socket of
/// the network namespace, and /proc/self/fd names the inodes of this process's own.
/// </summary>
internal static class OwnTcpConnections
{
    private const string Established = "01";

    /// <summary>How many established connections this process has to 127.0.0.1 on each of <paramref name="ports"/>.</summary>
    public static Dictionary<int, int> To(IReadOnlyCollection<int> ports)
    {
        var own = OwnSocketInodes();
        var counts = ports.ToDictionary(p => p, _ => 0);
        // .NET opens dual-mode sockets: a connection to 127.0.0.1 is listed in tcp6, as ::ffff:127.0.0.1.
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1).Concat(File.ReadLines("/proc/net/tcp6").Skip(1)))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var remotePort = int.Parse(fields[2].AsSpan(fields[2].IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (fields[3] == Established && counts.ContainsKey(remotePort) && own.Contains(fields[9]))
            {
                counts[remotePort]++;
            }
        }

        return counts;
    }

    private static HashSet<string> OwnSocketInodes()
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return inodes;
    }
}
