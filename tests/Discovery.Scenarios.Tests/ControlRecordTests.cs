using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using dotnet_etcd;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>
/// Pause, resume, drain and weight from outside the process: the test, through its own etcd client, writes the
/// control record of EchoServer processes under load from a client in this process.
/// </summary>
public sealed class ControlRecordTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ControlRecord_PauseResumeDrainUnderLoad_NoFailedCallAndCallsFollowWithinASecond()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("control");
        using var ops = await ScenarioAuth.OpsClientAsync(etcd, service);
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1", "s2", "s3");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service);
        client.StartLoad(8);
        await client.WaitServedByEachAsync(["s1", "s2", "s3"], TimeSpan.FromSeconds(20));
        var s2 = servers["s2"];
        var lease = Assert.Single((await etcdClient.GetAsync(s2.Key)).Kvs).Lease;

        // Paused: within a second s2 gets no new call, while the others keep serving; its lease and process stay.
        await ops.PutAsync(ControlKey(service, "s2"), """{"state":"paused"}""");
        var paused = Stopwatch.GetTimestamp();
        await s2.WaitUnregisteredAsync(etcdClient, Within);
        await Task.Delay(Within - Stopwatch.GetElapsedTime(paused) is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        var s2AfterASecond = client.CallsTo("s2");
        var othersBefore = client.CallsTo("s1") + client.CallsTo("s3");
        await Eventually.UntilAsync(() => client.CallsTo("s1") + client.CallsTo("s3") > othersBefore + 1000, TimeSpan.FromSeconds(15), "1000 calls to s1 and s3");
        Assert.Equal(s2AfterASecond, client.CallsTo("s2"));
        Assert.False(s2.Process.HasExited);
        Assert.Equal("paused", (await StatusAsync(etcdClient, service, "s2")).GetProperty("state").GetString());

        // Resumed (the record deleted): calls reach s2 again within a second, under the same lease.
        await ops.DeleteAsync(ControlKey(service, "s2"));
        await client.WaitServedByAsync("s2", Within);
        Assert.Equal(lease, Assert.Single((await etcdClient.GetAsync(s2.Key)).Kvs).Lease);

        // Draining: out of rotation, and the status record reports zero calls in flight once they ended.
        await ops.PutAsync(ControlKey(service, "s3"), """{"state":"draining"}""");
        await servers["s3"].WaitUnregisteredAsync(etcdClient, Within);
        JsonElement status = default;
        await Eventually.UntilAsync(
            async () => (status = await StatusAsync(etcdClient, service, "s3")).GetProperty("state").GetString() == "drained",
            TimeSpan.FromSeconds(5),
            "s3's status record saying drained");
        output.WriteLine(status.GetRawText());
        Assert.Equal(0, status.GetProperty("inFlight").GetInt32());
        Assert.True(status.TryGetProperty("drainedAt", out _));

        var summary = await client.StopAsync();
        output.WriteLine(summary.ToString());
        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.Contains(s2.Process.StandardOutputLines, l => l.Contains("asks state paused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ControlRecord_WeightFrom100To10_MovesTheWeightedRoundRobinShare()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("weight");
        using var ops = await ScenarioAuth.OpsClientAsync(etcd, service);
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1", "s2");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service, picker: "weighted_round_robin");
        client.StartLoad(8);
        await client.WaitServedByEachAsync(["s1", "s2"], TimeSpan.FromSeconds(20));
        var even = await ShareOfAsync(client, "s2", 2000);
        output.WriteLine($"s2 share at weight 100:100: {even:P1}");

        await ops.PutAsync(ControlKey(service, "s2"), """{"weight":10}""");
        await Eventually.UntilAsync(
            async () => Regex.IsMatch(Assert.Single((await etcdClient.GetAsync(servers["s2"].Key)).Kvs).Value.ToStringUtf8(), "weight=10(?![0-9])"),
            TimeSpan.FromSeconds(5),
            "s2's record carrying weight 10");
        await client.WaitServedByAsync("s1", Within); // let the client's watch deliver the new record
        await Task.Delay(Within);
        var canary = await ShareOfAsync(client, "s2", 4000);
        output.WriteLine($"s2 share at weight 100:10: {canary:P1}");

        // 1:1 is 50 %, 100:10 is 9.1 %: bounds far from both, which no scheduling noise crosses.
        Assert.InRange(even, 0.35, 0.65);
        Assert.InRange(canary, 0.03, 0.18);
        var summary = await client.StopAsync();
        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.Equal(10, (await StatusAsync(etcdClient, service, "s2")).GetProperty("weight").GetInt32());
    }

    private static string ControlKey(string service, string instanceId) => $"_discovery/control/{service}/{instanceId}";

    private static async Task<JsonElement> StatusAsync(EtcdClient etcd, string service, string instanceId)
    {
        var kvs = (await etcd.GetAsync($"_discovery/status/{service}/{instanceId}")).Kvs;
        return kvs.Count == 0 ? JsonDocument.Parse("""{"state":null}""").RootElement : JsonDocument.Parse(kvs[0].Value.ToStringUtf8()).RootElement.Clone();
    }

    // The share of the next calls that went to instanceId.
    private static async Task<double> ShareOfAsync(LoadClient client, string instanceId, int calls)
    {
        var before = client.Calls;
        var servedBefore = client.CallsTo(instanceId);
        await Eventually.UntilAsync(() => client.Calls >= before + calls, TimeSpan.FromSeconds(30), $"{calls} calls");
        return (double)(client.CallsTo(instanceId) - servedBefore) / (client.Calls - before);
    }
}
