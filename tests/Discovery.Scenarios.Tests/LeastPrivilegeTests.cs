using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using dotnet_etcd;
using Grpc.Core;

namespace Discovery.Scenarios.Tests;

/// <summary>
/// etcd with auth on and the README's three roles: EchoServer processes log in with the server role, the client
/// with the client role, an operator with the ops role. Registration, discovery, a graceful stop, a kill and a pause
/// all work with no more than these permissions, and what a role does not allow is denied with a message naming the
/// key and the permission.
/// </summary>
[Trait(ScenarioAuth.Trait, ScenarioAuth.Excluded)] // Why: see ScenarioAuth.
public sealed class LeastPrivilegeTests
{
    [Fact]
    public async Task Roles_RegisterDiscoverStopKillAndPause_NoFailedCall()
    {
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        using var root = etcd.CreateClient();
        var service = ServiceNames.New("roles");
        var roles = await EtcdRoles.CreateAsync(etcd, service);
        await using var servers = new ServerSet([etcd.ClientUrl], root, service, TimeSpan.FromSeconds(2), roles.Arguments(roles.ServerUser));
        await servers.StartAsync("s1", "s2", "s3");
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service, retryUnavailable: true, settings: Credentials(roles.ClientUser, roles.Password));
        client.StartLoad(4);
        await client.WaitServedByEachAsync(["s1", "s2", "s3"], TimeSpan.FromSeconds(20));

        // The operator pauses s2 with the ops role only: its records leave etcd and calls go elsewhere.
        using var ops = new EtcdClient(etcd.ClientUrl);
        ops.SetCredentials(roles.OpsUser, roles.Password);
        await ops.PutAsync($"_discovery/control/{service}/s2", """{"state":"paused"}""");
        await servers["s2"].WaitUnregisteredAsync(root, TimeSpan.FromSeconds(5));
        await ops.DeleteAsync($"_discovery/control/{service}/s2");
        await servers["s2"].WaitRegisteredAsync(root, TimeSpan.FromSeconds(5));

        await servers.StopGracefullyAsync("s1");
        await servers.StartOneAsync("s4");
        await client.WaitServedByAsync("s4", TimeSpan.FromSeconds(20));
        var summary = await client.StopAsync();

        Assert.True(summary.Failed == 0, summary.ToString());
        await Eventually.UntilAsync(
            async () => (await root.GetPrefixAsync($"_discovery/status/{service}/")).Count == 3,
            TimeSpan.FromSeconds(10),
            "a status record for each of s2, s3 and s4, written with the server role");
    }

    [Fact]
    public async Task ClientRole_ServiceItMayNotRead_CallsFailNamingThePrefixAndPermission()
    {
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        var allowed = ServiceNames.New("allowed");
        var other = ServiceNames.New("other");
        var roles = await EtcdRoles.CreateAsync(etcd, allowed);
        await using var client = await LoadClient.StartAsync([etcd.ClientUrl], other, settings: Credentials(roles.ClientUser, roles.Password));

        var e = await Assert.ThrowsAsync<RpcException>(() => client.CallOnceAsync(new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20))));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains($"etcd denied range read of '{other}/' to user '{roles.ClientUser}'", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("lack read permission on that prefix", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientAndServerRoles_WriteAControlRecord_AreDeniedNamingTheKey()
    {
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        var service = ServiceNames.New("ctl");
        var roles = await EtcdRoles.CreateAsync(etcd, service);

        foreach (var user in new[] { roles.ClientUser, roles.ServerUser })
        {
            using var etcdClient = new EtcdClient(etcd.ClientUrl);
            etcdClient.SetCredentials(user, roles.Password);
            var e = await Assert.ThrowsAsync<RpcException>(() => etcdClient.PutAsync($"_discovery/control/{service}/s1", """{"state":"paused"}"""));
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Contains("etcdserver: permission denied", e.Status.Detail, StringComparison.Ordinal);
        }
    }

    private static Dictionary<string, string?> Credentials(string user, string password) => new()
    {
        ["Discovery:Etcd:Username"] = user,
        ["Discovery:Etcd:Password"] = password,
    };
}
