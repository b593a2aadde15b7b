using System.Diagnostics;
using Discovery.Testing.Internal;

namespace Discovery.Testing;

/// <summary>A multi-member etcd cluster on 127.0.0.1; its members can be killed, paused and restarted one by one.</summary>
/// <example><code>
/// await using var cluster = await EtcdCluster.StartAsync();
/// var leader = await cluster.FindLeaderAsync();
/// await leader.KillAsync();
/// var next = await cluster.FindLeaderAsync();
/// </code></example>
public sealed class EtcdCluster : IAsyncDisposable
{
    private static readonly TimeSpan LeaderTimeout = TimeSpan.FromSeconds(15);
    private static int s_counter;

    private EtcdCluster(IReadOnlyList<EtcdNode> members) => Members = members;

    /// <summary>The members, in start order.</summary>
    public IReadOnlyList<EtcdNode> Members { get; }

    /// <summary>The members' client URLs, comma separated (the form dotnet-etcd's EtcdClient accepts).</summary>
    public string ClientUrls => string.Join(',', Members.Select(m => m.ClientUrl));

    /// <summary>Starts <paramref name="members"/> members concurrently and waits until each one reports a leader.</summary>
    public static Task<EtcdCluster> StartAsync(int members = 3, CancellationToken ct = default) =>
        StartAsync(new EtcdNodeOptions(), members, ct);

    /// <summary>
    /// Starts <paramref name="members"/> members with <paramref name="options"/> (each member's own), waits until each
    /// one answers, then, with <see cref="EtcdNodeOptions.EnableAuth"/>, turns auth on once for the whole cluster
    /// (user root, role root): members' <see cref="EtcdNode.CreateClient"/> then log in as root.
    /// </summary>
    public static async Task<EtcdCluster> StartAsync(EtcdNodeOptions options, int members = 3, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        EtcdNode.EnsureInstalled();
        var id = $"{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        var token = $"discovery-cluster-{Guid.NewGuid():N}";
        var nodes = Enumerable.Range(0, members)
            .Select(i => new EtcdNode(options, $"c{id}-m{i}", FreePort.Next(), FreePort.Next(), token))
            .ToList();
        var initialCluster = string.Join(',', nodes.Select(n => $"{n.Name}={n.PeerUrl}"));
        var cluster = new EtcdCluster(nodes);
        try
        {
            foreach (var node in nodes)
            {
                node.InitialCluster = initialCluster;
                node.StartProcess();
            }

            await Task.WhenAll(nodes.Select(n => n.WaitUntilAnswersAsync(ct))).ConfigureAwait(false);
            if (options.EnableAuth)
            {
                // Users, roles and the auth switch are cluster state: set once, through any member.
                await nodes[0].EnableAuthAsync(ct).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The member that calls itself leader in its Status reply; dead or paused members are skipped. Waits up to 15 s
    /// for an election to finish.
    /// </summary>
    public async Task<EtcdNode> FindLeaderAsync(CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var statuses = await Task.WhenAll(Members.Select(m => m.TryStatusAsync(ct))).ConfigureAwait(false);
            for (var i = 0; i < Members.Count; i++)
            {
                if (statuses[i] is { } status && status.Leader != 0 && status.Leader == status.Header.MemberId)
                {
                    return Members[i];
                }
            }

            if (clock.Elapsed > LeaderTimeout)
            {
                throw new TimeoutException(
                    $"No member of the cluster reported itself leader within {LeaderTimeout.TotalSeconds:0} s. Running: "
                    + string.Join(", ", Members.Select(m => $"{m.Name}={(m.IsRunning ? "up" : "down")}"))
                    + string.Concat(Members.Where(m => m.IsRunning).Select(m => $"{Environment.NewLine}--- {m.Name} log ---{Environment.NewLine}{EtcdLog.Tail(m.LogFile, 10)}")));
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Kills every member and deletes their data.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            await member.DisposeAsync().ConfigureAwait(false);
        }
    }
}
