using Discovery.Cli.Tests.Infrastructure;
using Discovery.Testing;
using Grpc.Core;
using Grpc.Examples.Echo;

namespace Discovery.Cli.Tests.Commands;

/// <summary>
/// <c>discovery pause / resume / weight / drain</c> against real EchoServer processes: the instance's status record
/// confirms each, and a running client's calls follow.
/// </summary>
public sealed class ControlCommandTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan s_within = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task PauseThenResume_RunningClientStopsCallingTheInstanceThenCallsItAgain()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("pause");
        await using var s1 = await EchoServerProcess.StartRegisteredAsync([etcd.Node.ClientUrl], client, service, "s1");
        await using var s2 = await EchoServerProcess.StartRegisteredAsync([etcd.Node.ClientUrl], client, service, "s2");
        await using var caller = await EchoCaller.StartAsync(etcd.Node.ClientUrl, service);
        await Eventually.UntilAsync(async () => (await caller.CallAsync(10)).ContainsKey("s2"), s_within, "calls reaching s2");

        var paused = await DiscoveryTool.RunAsync(["pause", service, "s2", "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(paused.ExitCode == 0, paused.ToString());
        var pausedJson = paused.Json();
        Assert.Equal(service, pausedJson.GetProperty("service").GetString());
        Assert.Equal("s2", pausedJson.GetProperty("instance").GetString());
        Assert.Equal("paused", pausedJson.GetProperty("requestedState").GetString());
        Assert.True(pausedJson.GetProperty("confirmed").GetBoolean());
        Assert.Equal("paused", pausedJson.GetProperty("reportedState").GetString());
        await Eventually.UntilAsync(async () => !(await caller.CallAsync(20)).ContainsKey("s2"), s_within, "calls no longer reaching s2");
        Assert.False((await caller.CallAsync(50)).ContainsKey("s2"));
        var listed = await DiscoveryTool.RunAsync(["list", service, "--endpoints", etcd.Node.ClientUrl]);
        var row = Assert.Single(listed.Json().GetProperty("instances").EnumerateArray(), i => i.GetProperty("id").GetString() == "s2");
        Assert.Equal("paused", row.GetProperty("state").GetString());

        var resumed = await DiscoveryTool.RunAsync(["resume", service, "s2", "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal("active", resumed.Json().GetProperty("requestedState").GetString());
        Assert.Equal("registered", resumed.Json().GetProperty("reportedState").GetString());
        await Eventually.UntilAsync(async () => (await caller.CallAsync(10)).ContainsKey("s2"), s_within, "calls reaching s2 again");
    }

    [Fact]
    public async Task Weight_RunningWeightedClientSendsTheInstanceItsShare()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("weight");
        await using var s1 = await EchoServerProcess.StartRegisteredAsync([etcd.Node.ClientUrl], client, service, "s1");
        await using var s2 = await EchoServerProcess.StartRegisteredAsync([etcd.Node.ClientUrl], client, service, "s2");
        await using var caller = await EchoCaller.StartAsync(etcd.Node.ClientUrl, service, picker: "weighted_round_robin");

        var result = await DiscoveryTool.RunAsync(["weight", service, "s2", "400", "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal(400, json.GetProperty("requestedWeight").GetInt32());
        Assert.True(json.GetProperty("confirmed").GetBoolean());
        var listed = await DiscoveryTool.RunAsync(["list", service, "--endpoints", etcd.Node.ClientUrl]);
        var row = Assert.Single(listed.Json().GetProperty("instances").EnumerateArray(), i => i.GetProperty("id").GetString() == "s2");
        Assert.Equal(400, row.GetProperty("weight").GetInt32());

        // 100 : 400 is one call in five to s1; at least three times as many to s2 leaves room for the picker's start.
        IReadOnlyDictionary<string, int> served = new Dictionary<string, int>();
        await Eventually.UntilAsync(
            async () => (served = await caller.CallAsync(100)).GetValueOrDefault("s2") >= 3 * served.GetValueOrDefault("s1"),
            s_within,
            "s2 serving four times as many calls as s1");
        Assert.True(served.GetValueOrDefault("s1") > 0, "s1 still serves its share");
    }

    [Fact]
    public async Task Drain_CallsInFlight_WaitsUntilTheStatusReportsZeroInFlight()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("drain");
        await using var s1 = await EchoServerProcess.StartRegisteredAsync(
            [etcd.Node.ClientUrl], client, service, "s1", options: new EchoServerOptions { EchoDelay = TimeSpan.FromSeconds(3) });
        var echo = new Echo.EchoClient(s1.Channel);
        var slowCalls = Enumerable.Range(0, 3).Select(i => echo.UnaryEchoAsync(new EchoRequest { Message = $"slow {i}" }).ResponseAsync).ToArray();
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync($"_discovery/status/{service}/s1")).Values.Any(v => v.Contains("\"inFlight\":3", StringComparison.Ordinal)) || slowCalls.All(c => c.IsCompleted), s_within, "three calls in flight");

        var result = await DiscoveryTool.RunAsync(["drain", service, "s1", "--timeout", "20s", "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal("drained", json.GetProperty("state").GetString());
        Assert.Equal(0, json.GetProperty("inFlight").GetInt32());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, json.GetProperty("drainedAt").ValueKind);
        Assert.True(json.GetProperty("elapsedSeconds").GetDouble() > 0);
        Assert.All(await Task.WhenAll(slowCalls), reply => Assert.Contains("(from s1)", reply.Message, StringComparison.Ordinal));
        await s1.WaitUnregisteredAsync(client, s_within);
    }

    [Fact]
    public async Task Drain_CallStillInFlightAtTimeout_ExitsWithTimeout()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("drainlate");
        await using var s1 = await EchoServerProcess.StartRegisteredAsync(
            [etcd.Node.ClientUrl], client, service, "s1", options: new EchoServerOptions { EchoDelay = TimeSpan.FromSeconds(20) });
        using var stop = new CancellationTokenSource();
        var slow = new Echo.EchoClient(s1.Channel).UnaryEchoAsync(new EchoRequest { Message = "slow" }, cancellationToken: stop.Token);
        await Eventually.UntilAsync(async () => (await client.GetPrefixAsync($"_discovery/status/{service}/s1")).Values.Any(v => v.Contains("\"inFlight\":1", StringComparison.Ordinal)), s_within, "one call in flight");

        var result = await DiscoveryTool.RunAsync(["drain", service, "s1", "--timeout", "1s", "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(result.ExitCode == 8, result.ToString());
        Assert.Equal("draining", result.Json().GetProperty("state").GetString());
        Assert.Equal(1, result.Json().GetProperty("inFlight").GetInt32());
        await stop.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => slow.ResponseAsync);
    }

    [Fact]
    public async Task Pause_UnknownInstance_ExitsNotFoundAndWritesNothing()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("ghost");

        var result = await DiscoveryTool.RunAsync(["pause", service, "nobody", "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(result.ExitCode == 7, result.ToString());
        Assert.Contains("nobody", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(await client.GetPrefixAsync($"_discovery/control/{service}/"));
    }

    [Fact]
    public async Task Pause_UnknownInstanceWithForce_WritesTheControlRecordUnconfirmed()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("force");

        var result = await DiscoveryTool.RunAsync(["pause", service, "later", "--force", "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(result.Json().GetProperty("confirmed").GetBoolean());
        Assert.Equal("""{"state":"paused"}""", (await client.GetPrefixAsync($"_discovery/control/{service}/later")).Values.Single());
    }
}
