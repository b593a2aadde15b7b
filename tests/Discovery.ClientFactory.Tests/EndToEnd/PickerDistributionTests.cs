namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>The EchoClient sample against three real EchoServers: how each picker spreads 300 calls.</summary>
[Collection(ThreeServersCollection.Name)]
public sealed class PickerDistributionTests(ThreeServersFixture servers)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RoundRobin_ThreeServers_EachGetsAThirdFromTheFirstCall()
    {
        var summary = await RunAsync("round_robin");

        Assert.Equal(300, summary.Calls);
        Assert.True(summary.Failed == 0, summary.ToString());
        foreach (var instance in new[] { "s1", "s2", "s3" })
        {
            Assert.InRange(summary.CallsTo(instance), 98, 102);
        }
    }

    [Fact]
    public async Task Random_ThreeServers_EachGetsRoughlyAThird()
    {
        var summary = await RunAsync("random");

        Assert.True(summary.Failed == 0, summary.ToString());
        foreach (var instance in new[] { "s1", "s2", "s3" })
        {
            Assert.InRange(summary.CallsTo(instance), 60, 140);
        }
    }

    [Fact]
    public async Task WeightedRoundRobin_Weights123_CallsFollowTheWeights()
    {
        var summary = await RunAsync("weighted_round_robin");

        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.InRange(summary.CallsTo("s1"), 45, 55);
        Assert.InRange(summary.CallsTo("s2"), 90, 110);
        Assert.InRange(summary.CallsTo("s3"), 135, 165);
    }

    private async Task<ClientSummary> RunAsync(string picker)
    {
        var summary = await EchoClientProcess.RunAsync(
            servers.Etcd.ClientUrl, RunTimeout, "--service", servers.Service, "--calls", "300", "--concurrency", "4", "--picker", picker);
        return summary;
    }
}
