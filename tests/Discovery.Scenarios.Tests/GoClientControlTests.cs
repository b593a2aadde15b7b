using System.Diagnostics;
using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>A stock Go client, reading our records with etcd's own resolver, follows a pause written to the control record.</summary>
public sealed class GoClientControlTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GoClient_InstancePausedThenResumed_StopsCallingItThenCallsItAgain()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("gopause");
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1", "s2");
        using var ops = await ScenarioAuth.OpsClientAsync(etcd, service);
        await GoEchoClient.BuildAsync();
        await using var go = await GoEchoClient.StartAsync(
            etcd.ClientUrl, service, TimeSpan.FromSeconds(90), await ScenarioAuth.GoClientCredentialsAsync([etcd.ClientUrl], service));
        await Eventually.UntilAsync(
            () => GoEchoClient.RepliesFrom(go, "s1") > 0 && GoEchoClient.RepliesFrom(go, "s2") > 0,
            TimeSpan.FromSeconds(30),
            "the Go client calling both instances");

        await ops.PutAsync($"_discovery/control/{service}/s2", """{"state":"paused"}""");
        var paused = Stopwatch.GetTimestamp();
        await servers["s2"].WaitUnregisteredAsync(etcdClient, TimeSpan.FromSeconds(1));

        // Within a second of the pause the Go client stops calling s2, and keeps calling s1.
        await Task.Delay(TimeSpan.FromSeconds(1) - Stopwatch.GetElapsedTime(paused) is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        var s2AfterASecond = GoEchoClient.RepliesFrom(go, "s2");
        var s1Before = GoEchoClient.RepliesFrom(go, "s1");
        await Eventually.UntilAsync(() => GoEchoClient.RepliesFrom(go, "s1") > s1Before + 300, TimeSpan.FromSeconds(20), "300 more calls to s1");
        Assert.Equal(s2AfterASecond, GoEchoClient.RepliesFrom(go, "s2"));

        await ops.DeleteAsync($"_discovery/control/{service}/s2");
        var s2Before = GoEchoClient.RepliesFrom(go, "s2");
        await Eventually.UntilAsync(() => GoEchoClient.RepliesFrom(go, "s2") > s2Before, TimeSpan.FromSeconds(5), "the Go client calling s2 again");

        output.WriteLine($"replies: s1 {GoEchoClient.RepliesFrom(go, "s1")}, s2 {GoEchoClient.RepliesFrom(go, "s2")}");
        Assert.Empty(GoEchoClient.Errors(go));
    }
}
