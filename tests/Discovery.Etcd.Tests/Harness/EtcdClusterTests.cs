using Discovery.Testing;
using dotnet_etcd;

namespace Discovery.Etcd.Tests.Harness;

public sealed class EtcdClusterTests
{
    [Fact]
    public async Task FindLeaderAsync_LeaderKilled_FindsNewLeaderAndKeepsData()
    {
        await using var cluster = await EtcdCluster.StartAsync();
        using var client = new EtcdClient(cluster.ClientUrls);
        await client.PutAsync("harness/cluster", "1", 0L);
        var leader = await cluster.FindLeaderAsync();

        await leader.KillAsync();
        var next = await cluster.FindLeaderAsync();

        Assert.Equal(3, cluster.Members.Count);
        Assert.NotSame(leader, next);
        Assert.True(next.IsRunning);
        using var survivor = next.CreateClient();
        Assert.Equal("1", (await survivor.GetPrefixAsync("harness/"))["harness/cluster"]);
    }
}
