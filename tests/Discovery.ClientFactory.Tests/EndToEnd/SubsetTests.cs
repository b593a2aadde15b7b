using System.Globalization;
using Discovery.Testing;
using Grpc.Core;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>Client-side subsetting against real EchoServer processes: connections held, calls spread, a member leaving.</summary>
public sealed class SubsetTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SubsetOf3Over8Servers_Holds3ConnectionsCallsOnlyThoseAndReplacesALeavingOneByOne()
    {
        var service = ServiceNames.New();
        var ids = Enumerable.Range(1, 8).Select(i => $"s{i}").ToArray();
        // A 10 s lease, not the suite's 2 s: a record that lapses under load and returns changes the subset twice, and
        // the member that left keeps its HTTP/2 connection in the handler's pool until that connection idles out (a
        // minute; see the README's Subsetting), which this test would read as a fourth connection.
        var options = EchoServers.Options with { LeaseTtl = TimeSpan.FromSeconds(10) };
        var servers = await Task.WhenAll(ids.Select(id => EchoServers.StartAsync(etcd.Node, service, id, options)));
        try
        {
            // The servers log warnings only, so their ports come from their records.
            using var etcdClient = etcd.Node.CreateClient();
            var records = await etcdClient.GetPrefixAsync(service + "/");
            var portOf = ids.ToDictionary(
                id => id,
                id => int.Parse(records.Single(r => servers.Single(s => s.InstanceId == id).IsOwnRecord(r.Value)).Key.Split(':')[^1], CultureInfo.InvariantCulture));
            var ports = portOf.Values.ToArray();
            await using var client = InProcessClient.Create(
                etcd.Node.ClientUrl, service, settings: [new("Discovery:Clients:EchoClient:Subset:Size", "3"), new("Discovery:Clients:EchoClient:Subset:ClientIndex", "5")]);

            var first = await CallersAsync(client, 120);
            Assert.Equal(3, first.Count);
            await WaitForConnectionsAsync(portOf, ports, "3 connections to the servers");
            var connected = OwnTcpConnections.To(ports).Where(c => c.Value > 0).Select(c => portOf.Single(p => p.Value == c.Key).Key);
            Assert.Equal(first.Order(), connected.Order());

            // One member leaves: the client keeps the other two and takes exactly one new instance.
            var leaving = servers.Single(s => s.InstanceId == first.Order().First());
            await leaving.StopGracefullyAsync();
            var remaining = portOf.Where(p => p.Key != leaving.InstanceId).Select(p => p.Value).ToArray();
            await WaitForConnectionsAsync(portOf, remaining, "3 connections after a member left");
            var second = await CallersAsync(client, 120);
            Assert.Equal(3, second.Count);
            Assert.Equal(2, second.Intersect(first).Count());
            Assert.DoesNotContain(leaving.InstanceId, second);

            // A call pinned to an instance outside the subset still reaches it, over a connection opened on demand.
            var outsider = ids.Except(first).Except(second).First();
            var answered = await client.EchoAsync(new CallOptions().WithInstance(outsider));
            Assert.Equal(outsider, answered);
            Assert.Equal(3, (await CallersAsync(client, 60)).Count);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    // Waits for exactly 3 established connections to the ports; a timeout names how many each instance has.
    private static async Task WaitForConnectionsAsync(Dictionary<string, int> portOf, IReadOnlyCollection<int> ports, string description)
    {
        try
        {
            await Eventually.UntilAsync(() => OwnTcpConnections.To(ports).Values.Sum() == 3, Timeout, description);
        }
        catch (EventuallyTimeoutException ex)
        {
            var counts = OwnTcpConnections.To(ports);
            var byInstance = portOf.Where(p => counts.ContainsKey(p.Value)).Select(p => $"{p.Key} (port {p.Value}): {counts[p.Value]}");
            throw new EventuallyTimeoutException($"{ex.Message}; established connections now: {string.Join(", ", byInstance)}", ex.InnerException);
        }
    }

    private static async Task<HashSet<string>> CallersAsync(InProcessClient client, int calls)
    {
        var callers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < calls; i++)
        {
            callers.Add(await client.EchoAsync());
        }

        return callers;
    }
}
