using Discovery.ClientFactory;
using Discovery.Testing;
using Grpc.Core;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>The consistent-hash picker in-process against real EchoServers.</summary>
public sealed class ConsistentHashEndToEndTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 1000).Select(i => $"key-{i}")];

    [Fact]
    public async Task HashKey_ThreeThenFourInstances_StableSpreadAndLimitedMoves()
    {
        var service = ServiceNames.New();
        var servers = new List<EchoServerProcess>();
        try
        {
            servers.AddRange(await Task.WhenAll(
                EchoServers.StartAsync(etcd.Node, service, "s1"),
                EchoServers.StartAsync(etcd.Node, service, "s2"),
                EchoServers.StartAsync(etcd.Node, service, "s3")));
            await using var client = InProcessClient.Create(etcd.Node.ClientUrl, service, DiscoveryPickers.ConsistentHash);
            await WaitForInstancesAsync(client, 3);

            var first = await PlaceAsync(client);
            var again = await PlaceAsync(client);
            servers.Add(await EchoServers.StartAsync(etcd.Node, service, "s4"));
            await WaitForInstancesAsync(client, 4);
            var afterAdding = await PlaceAsync(client);

            Assert.Equal(first, again);
            var counts = first.Values.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
            Assert.All(new[] { "s1", "s2", "s3" }, id => Assert.InRange(counts.GetValueOrDefault(id), 250, 417));
            var moved = Keys.Count(key => first[key] != afterAdding[key]);
            Assert.InRange(moved, 1, 350);
            Assert.All(Keys.Where(key => first[key] != afterAdding[key]), key => Assert.Equal("s4", afterAdding[key]));
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task<Dictionary<string, string>> PlaceAsync(InProcessClient client)
    {
        var placed = new Dictionary<string, string>();
        foreach (var chunk in Keys.Chunk(50))
        {
            var ids = await Task.WhenAll(chunk.Select(key => client.EchoAsync(new CallOptions().WithHashKey(key))));
            for (var i = 0; i < chunk.Length; i++)
            {
                placed[chunk[i]] = ids[i];
            }
        }

        return placed;
    }

    // Keys without a hash key go to random instances: once all are seen, the ring holds them all.
    private static Task WaitForInstancesAsync(InProcessClient client, int count)
    {
        var seen = new HashSet<string>();
        return Eventually.UntilAsync(
            async () =>
            {
                foreach (var id in await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.EchoAsync())))
                {
                    seen.Add(id);
                }

                return seen.Count == count;
            },
            TimeSpan.FromSeconds(10),
            $"{count} instances answering");
    }
}
