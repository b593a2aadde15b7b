namespace Discovery.ClientFactory;

/// <summary>
/// Client-side subsetting: <see cref="EtcdClientOptions.Subset"/>, bound from
/// <c>Discovery:Clients:{client name}:Subset</c>. Off by default: the client connects to every instance. With a
/// <see cref="Size"/>, it connects to at most that many, chosen deterministically per client, so that a service of
/// thousands of instances does not cost each client thousands of HTTP/2 connections.
/// </summary>
/// <remarks>
/// <para>
/// Instances sit on a ring at hashes of their addresses (32 points each); a client sits on the same ring and takes the
/// first <see cref="Size"/> distinct instances clockwise from its position (consistent subsetting). One instance
/// leaving changes the subsets that held it by exactly one member and no other subset; one joining enters a subset
/// by displacing exactly one member. The version and zone filters apply first: the subset is drawn from the instances
/// of the client's version, from its zone first, filled from other zones when the zone has fewer than
/// <see cref="Size"/>.
/// </para>
/// <para>
/// Where a client sits decides how evenly connections spread over the instances. With <see cref="ClientIndex"/> set
/// (0, 1, 2, … across the clients of a service: a pod ordinal, a task index), clients sit at the positions of a
/// low-discrepancy sequence (van der Corput, as Google's Ringsteady subsetting), evenly spread whatever their number.
/// Without it each process draws a random position, and connections per instance are as uneven as with random
/// subsets.
/// </para>
/// <para>
/// Calls pinned to an instance (<c>discovery-instance</c>) and <c>consistent_hash</c> calls with a hash key still reach
/// instances outside the subset: every instance has a subchannel, but only the subset's are connected; such a call
/// connects its instance on demand and waits for that connection. A connection opened on demand is not kept open
/// when it drops. A hash key is placed on a ring of all the filtered instances, so every client sends a key to the
/// same instance.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// "Discovery": { "Clients": { "EchoClient": { "Service": "echo", "Subset": { "Size": 20, "ClientIndex": 7 } } } }
/// </code>
/// </example>
public sealed class DiscoverySubsetOptions
{
    /// <summary>The most instances the client connects to; 0 (the default) turns subsetting off.</summary>
    public int Size { get; set; }

    /// <summary>
    /// This client's ordinal among the clients of the service (0, 1, 2, …; a pod ordinal or task index), for an even
    /// spread of connections over the instances. Unset (the default): a random position per process.
    /// </summary>
    public int? ClientIndex { get; set; }
}
