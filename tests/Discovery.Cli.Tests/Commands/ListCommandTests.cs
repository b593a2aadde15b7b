using System.Globalization;
using System.Text.Json;
using Discovery.Cli.Tests.Infrastructure;
using Discovery.Testing;

namespace Discovery.Cli.Tests.Commands;

/// <summary><c>discovery list</c> against real etcd and real EchoServer processes.</summary>
public sealed class ListCommandTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    [Fact]
    public async Task List_ServiceWithRunningServers_JsonHasEveryFieldOfEachInstance()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("list");
        await using var s1 = await EchoServerProcess.StartRegisteredAsync(
            [etcd.Node.ClientUrl], client, service, "s1", options: new EchoServerOptions { Version = "v1", Zone = "a" });
        await using var s2 = await EchoServerProcess.StartRegisteredAsync(
            [etcd.Node.ClientUrl], client, service, "s2", options: new EchoServerOptions { Version = "v2", Weight = 50 });
        var lease1 = Assert.Single((await client.GetAsync(s1.Key)).Kvs).Lease;

        var result = await DiscoveryTool.RunAsync(["list", service, "--endpoints", etcd.Node.ClientUrl]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal(service, json.GetProperty("service").GetString());
        var instances = json.GetProperty("instances").EnumerateArray().ToArray();
        Assert.Equal(2, instances.Length);
        var first = instances[0];
        Assert.Equal("s1", first.GetProperty("id").GetString());
        Assert.Equal(s1.Address, first.GetProperty("address").GetString());
        Assert.Equal("v1", first.GetProperty("version").GetString());
        Assert.Equal("a", first.GetProperty("zone").GetString());
        Assert.Equal(100, first.GetProperty("weight").GetInt32());
        Assert.Equal("serving", first.GetProperty("state").GetString());
        Assert.Equal(lease1.ToString("x", CultureInfo.InvariantCulture), first.GetProperty("leaseId").GetString());
        Assert.InRange(first.GetProperty("leaseTtlSeconds").GetInt64(), 1, 10);
        Assert.Equal(0, first.GetProperty("inFlight").GetInt32());
        Assert.Equal(JsonValueKind.Object, first.GetProperty("metadata").ValueKind);
        var second = instances[1];
        Assert.Equal("s2", second.GetProperty("id").GetString());
        Assert.Equal(s2.Address, second.GetProperty("address").GetString());
        Assert.Equal("v2", second.GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("zone").ValueKind);
        Assert.Equal(50, second.GetProperty("weight").GetInt32());
    }

    [Fact]
    public async Task List_WithoutService_CountsTheInstancesOfEachService()
    {
        using var client = etcd.Node.CreateClient();
        var prefix = ServiceNames.New("ns") + "/";
        var lease = (await client.LeaseGrantAsync(new Etcdserverpb.LeaseGrantRequest { TTL = 60 })).ID;
        await client.PutAsync(prefix + "alpha/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=a1"), lease);
        await client.PutAsync(prefix + "alpha/127.0.0.1:5002", Records.Form("127.0.0.1:5002", "id=a2"), lease);
        await client.PutAsync(prefix + "beta/127.0.0.1:5003", Records.Form("127.0.0.1:5003", "id=b1"), lease);

        var result = await DiscoveryTool.RunAsync(["list", "--endpoints", etcd.Node.ClientUrl, "--key-prefix", prefix]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var services = result.Json().GetProperty("services").EnumerateArray().ToArray();
        Assert.Equal(["alpha", "beta"], services.Select(s => s.GetProperty("service").GetString()));
        Assert.Equal([2, 1], services.Select(s => s.GetProperty("instanceCount").GetInt32()));
        Assert.Equal([2, 1], services.Select(s => s.GetProperty("servingCount").GetInt32()));
    }

    [Fact]
    public async Task List_TableOutput_ShowsTheSameFieldsAsTheJson()
    {
        using var client = etcd.Node.CreateClient();
        var service = ServiceNames.New("table");
        await client.PutAsync($"{service}/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=t1&version=v7&zone=z9&weight=42"), 0L);

        var result = await DiscoveryTool.RunAsync(["list", service, "--endpoints", etcd.Node.ClientUrl, "--output", "table"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var header in new[] { "ID", "ADDRESS", "VERSION", "ZONE", "WEIGHT", "STATE", "LEASE", "TTL" })
        {
            Assert.Contains(header, result.StandardOutput, StringComparison.Ordinal);
        }

        foreach (var value in new[] { "t1", "v7", "z9", "42", "serving", "none" })
        {
            Assert.Contains(value, result.StandardOutput, StringComparison.Ordinal);
        }
    }
}
