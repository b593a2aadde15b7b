using Discovery.Testing;
using Etcdserverpb;

namespace Discovery.Etcd.Tests.Harness;

public sealed class EtcdNodeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StartAsync_FreshNode_PutThenGetReturnsValue()
    {
        await using var node = await EtcdNode.StartAsync();
        using var client = node.CreateClient();

        await client.PutAsync("harness/a", "1", 0L);
        var values = await client.GetPrefixAsync("harness/");

        Assert.True(node.IsRunning);
        Assert.StartsWith("http://127.0.0.1:", node.ClientUrl, StringComparison.Ordinal);
        Assert.Equal("1", Assert.Single(values, kv => kv.Key == "harness/a").Value);
    }

    [Fact]
    public async Task KillAsync_ThenStartAgain_KeepsData()
    {
        await using var node = await EtcdNode.StartAsync();
        using var client = node.CreateClient();
        await client.PutAsync("harness/kept", "yes", 0L);

        await node.KillAsync();
        Assert.False(node.IsRunning);
        await node.StartAgainAsync();

        await Eventually.UntilAsync(
            async () => (await client.GetPrefixAsync("harness/")).ContainsKey("harness/kept"), Wait, "the key written before kill -9 is read back");
    }

    [Fact]
    public async Task StartAgainAsync_WipeData_LosesData()
    {
        await using var node = await EtcdNode.StartAsync();
        using (var client = node.CreateClient())
        {
            await client.PutAsync("harness/gone", "yes", 0L);
        }

        await node.RestartAsync(wipeData: true);

        using var fresh = node.CreateClient();
        Assert.Empty(await fresh.GetPrefixAsync("harness/"));
    }

    [Fact]
    public async Task Pause_CallWithShortDeadline_FailsUntilResume()
    {
        await using var node = await EtcdNode.StartAsync();
        using var client = node.CreateClient();
        await client.PutAsync("harness/p", "1", 0L);

        node.Pause();
        var failed = await CallOutcome.FailsAsync(() => client.GetAsync("harness/p", deadline: DateTime.UtcNow.AddSeconds(1)));
        node.Resume();

        Assert.True(failed, "a call to a paused etcd should fail by its 1 s deadline");
        await Eventually.UntilAsync(
            async () => !await CallOutcome.FailsAsync(() => client.GetAsync("harness/p", deadline: DateTime.UtcNow.AddSeconds(1))),
            Wait,
            "calls succeed after Resume");
    }

    [Fact]
    public async Task DisposeAsync_RunningNode_KillsProcessAndDeletesData()
    {
        var node = await EtcdNode.StartAsync();
        var pid = node.ProcessId!.Value;
        var folder = Path.GetDirectoryName(node.DataDirectory)!;

        await node.DisposeAsync();

        Assert.False(Directory.Exists(folder));
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(folder, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompactAsync_OldRevision_MakesItUnreadable()
    {
        await using var node = await EtcdNode.StartAsync();
        using var client = node.CreateClient();
        await client.PutAsync("harness/c", "1", 0L);
        var old = await client.CurrentRevisionAsync();
        await client.PutAsync("harness/c", "2", 0L);
        await client.DeleteKeyAsync("harness/c");

        await client.CompactAsync(await client.CurrentRevisionAsync());

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(
            () => client.GetAsync(new RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("harness/c"), Revision = old }));
        Assert.Contains("compacted", error.Status.Detail, StringComparison.Ordinal);
    }
}
