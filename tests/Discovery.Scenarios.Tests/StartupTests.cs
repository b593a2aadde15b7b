using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using Grpc.Core;

namespace Discovery.Scenarios.Tests;

/// <summary>A client that starts while its service has no instance yet.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Call_NoInstanceWithWaitForReady_WaitsForTheFirstInstance()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("start");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service);
        var call = client.CallOnceAsync(new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)).WithWaitForReady());

        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1");

        Assert.EndsWith("(from s1)", await call, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_NoInstanceWithoutWaitForReady_FailsFastNamingTheService()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        var service = ServiceNames.New("start");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service);

        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<RpcException>(() => client.CallOnceAsync(new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30))));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains($"service '{service}'", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("no registered instance", e.Status.Detail, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), $"failed after {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
    }
}
