using System.Text.Json;
using Discovery.Testing;

namespace Discovery.Hosting.Tests.Integration;

public sealed class RegistrationRecordTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    [Fact]
    public async Task Start_PortZero_RecordHoldsRealPortInGoNamingFormat()
    {
        await using var server = await EchoServers.StartAsync(
            etcd.Node.ClientUrl, "record-echo", "--Discovery:Registration:Zone=z1", "--Discovery:Registration:Metadata:canary=yes");
        await server.WaitRegistrationLoggedAsync();
        using var client = etcd.Node.CreateClient();

        var records = await client.GetPrefixAsync("record-echo/");

        var (key, value) = Assert.Single(records);
        Assert.Equal($"record-echo/{server.Address}", key);
        Assert.DoesNotContain(":0", server.Address, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(value);
        Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("Op").ValueKind);
        Assert.Equal(0, json.RootElement.GetProperty("Op").GetInt32());
        Assert.Equal(server.Address, json.RootElement.GetProperty("Addr").GetString());
        var form = json.RootElement.GetProperty("Metadata").GetString()!
            .Split('&')
            .Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal(
            new Dictionary<string, string> { ["id"] = server.InstanceId, ["version"] = "v1", ["weight"] = "100", ["zone"] = "z1", ["canary"] = "yes" },
            form);
    }
}
