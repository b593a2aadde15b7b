namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>Version filter, zone preference and pinning through the EchoClient sample, against real servers.</summary>
[Collection(ThreeServersCollection.Name)]
public sealed class FilterAndPinTests(ThreeServersFixture servers)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Version_V2_ReachesOnlyV2Instances()
    {
        var summary = await RunAsync("--version", "v2");

        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.True(summary.ByInstance.Keys.SequenceEqual(["s3"]), summary.ToString());
    }

    [Fact]
    public async Task Zone_A_PrefersItsZone()
    {
        var summary = await RunAsync("--zone", "a");

        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.True(summary.ByInstance.Keys.SequenceEqual(["s1"]), summary.ToString());
    }

    [Fact]
    public async Task Instance_S2_ReachesOnlyS2()
    {
        var summary = await RunAsync("--instance", "s2");

        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.True(summary.ByInstance.Keys.SequenceEqual(["s2"]), summary.ToString());
    }

    [Fact]
    public async Task Instance_Absent_FailsFastNamingIt()
    {
        var summary = await RunAsync("--instance", "s9");

        Assert.Equal(summary.Calls, summary.Failed);
        Assert.Equal(summary.Calls, summary.Errors.GetValueOrDefault("Unavailable"));
        Assert.Contains("'s9'", summary.ErrorMessages["Unavailable"], StringComparison.Ordinal);
        Assert.Contains("not registered", summary.ErrorMessages["Unavailable"], StringComparison.Ordinal);
    }

    private Task<ClientSummary> RunAsync(params string[] args) =>
        EchoClientProcess.RunAsync(
            servers.Etcd.ClientUrl, RunTimeout, ["--service", servers.Service, "--calls", "60", "--concurrency", "4", .. args]);
}
