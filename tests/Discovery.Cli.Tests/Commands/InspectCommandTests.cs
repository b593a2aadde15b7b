using System.Text.Json;
using Discovery.Cli.Tests.Infrastructure;
using Discovery.Testing;
using dotnet_etcd;

namespace Discovery.Cli.Tests.Commands;

/// <summary>
/// <c>discovery inspect</c>: each kind of bad record, written to a real etcd, is flagged with exit code 1; a clean
/// registry exits 0. Each test works under a key prefix of its own, so it sees only its own records.
/// </summary>
public sealed class InspectCommandTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    [Fact]
    public async Task Inspect_CleanRegistry_ExitsZeroWithNoFinding()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1&version=v1"), lease);
        await client.PutAsync(prefix + "echo/127.0.0.1:5002", Records.Form("127.0.0.1:5002", "id=s2"), lease);
        await client.PutAsync(prefix + "_discovery/control/echo/s1", """{"state":"paused"}""");

        var result = await InspectAsync(prefix);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal(3, json.GetProperty("recordsChecked").GetInt32());
        Assert.Empty(json.GetProperty("findings").EnumerateArray());
    }

    [Fact]
    public async Task Inspect_ValueThatIsNotJson_FlagsUndecodableValue()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", "not json", lease);

        var finding = await SingleFindingAsync(prefix, "undecodable-value");

        Assert.Equal("echo", finding.GetProperty("service").GetString());
        Assert.Equal(prefix + "echo/127.0.0.1:5001", finding.GetProperty("key").GetString());
        Assert.Contains("not valid JSON", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_RecordWithoutAddr_FlagsUndecodableValue()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/x", """{"Op":0,"Metadata":"id=s1"}""", lease);

        var finding = await SingleFindingAsync(prefix, "undecodable-value");

        Assert.Contains("no Addr", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_ValueOverMaxRecordBytes_FlagsRecordTooLarge()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1&pad=" + new string('x', 70_000)), lease);

        var finding = await SingleFindingAsync(prefix, "record-too-large");

        Assert.Contains("MaxRecordBytes", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_MetadataAsJsonObject_FlagsJsonObjectMetadata()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.ObjectMetadata("127.0.0.1:5001", "s1"), lease);

        var finding = await SingleFindingAsync(prefix, "json-object-metadata");

        Assert.Contains("19700", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_RecordUnderNoLease_FlagsNoLease()
    {
        var (client, prefix, _) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), 0L);

        var finding = await SingleFindingAsync(prefix, "no-lease");

        Assert.Equal(prefix + "echo/127.0.0.1:5001", finding.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Inspect_OneIdUnderTwoLeases_FlagsDuplicateInstanceId()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        var otherLease = (await client.LeaseGrantAsync(new Etcdserverpb.LeaseGrantRequest { TTL = 60 })).ID;
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), lease);
        await client.PutAsync(prefix + "echo/127.0.0.1:5002", Records.Form("127.0.0.1:5002", "id=s1"), otherLease);

        var finding = await SingleFindingAsync(prefix, "duplicate-instance-id");

        Assert.Contains("'s1'", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_OneIdOnTwoAddressesOfOneLease_IsNotFlagged()
    {
        // One process listening on two addresses: one record each, one id, one lease.
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), lease);
        await client.PutAsync(prefix + "echo/127.0.0.1:5002", Records.Form("127.0.0.1:5002", "id=s1"), lease);

        var result = await InspectAsync(prefix);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Inspect_OneAddressUnderTwoKeys_FlagsDuplicateAddress()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), lease);
        await client.PutAsync(prefix + "echo/old-name", Records.Form("127.0.0.1:5001", "id=s1"), lease);

        var finding = await SingleFindingAsync(prefix, "duplicate-address");

        Assert.Contains("127.0.0.1:5001", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_ServiceNameThatStartsAnother_FlagsServiceNamePrefix()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), lease);
        await client.PutAsync(prefix + "echo-v2/127.0.0.1:5002", Records.Form("127.0.0.1:5002", "id=s2"), lease);

        var finding = await SingleFindingAsync(prefix, "service-name-prefix");

        Assert.Equal("echo", finding.GetProperty("service").GetString());
        Assert.Equal(prefix + "echo-v2/", finding.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Inspect_UnreadableControlRecord_FlagsUndecodableControlRecord()
    {
        var (client, prefix, _) = await ArrangeAsync();
        await client.PutAsync(prefix + "_discovery/control/echo/s1", """{"state":"asleep"}""", 0L);

        var finding = await SingleFindingAsync(prefix, "undecodable-control-record");

        Assert.Equal(prefix + "_discovery/control/echo/s1", finding.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Inspect_OneService_ChecksOnlyItsRecords()
    {
        var (client, prefix, lease) = await ArrangeAsync();
        await client.PutAsync(prefix + "good/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), lease);
        await client.PutAsync(prefix + "bad/127.0.0.1:5002", "not json", lease);

        var good = await DiscoveryTool.RunAsync(["inspect", "good", "--endpoints", etcd.Node.ClientUrl, "--key-prefix", prefix]);
        var bad = await DiscoveryTool.RunAsync(["inspect", "bad", "--endpoints", etcd.Node.ClientUrl, "--key-prefix", prefix]);

        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.True(bad.ExitCode == 1, bad.ToString());
    }

    [Fact]
    public async Task Inspect_TableOutput_ListsEachFindingWithItsKind()
    {
        var (client, prefix, _) = await ArrangeAsync();
        await client.PutAsync(prefix + "echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), 0L);

        var result = await DiscoveryTool.RunAsync(["inspect", "--endpoints", etcd.Node.ClientUrl, "--key-prefix", prefix, "--output", "table"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("no-lease", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 finding(s)", result.StandardOutput, StringComparison.Ordinal);
    }

    private async Task<(EtcdClient Client, string Prefix, long Lease)> ArrangeAsync()
    {
        var client = etcd.Node.CreateClient();
        var lease = (await client.LeaseGrantAsync(new Etcdserverpb.LeaseGrantRequest { TTL = 120 })).ID;
        return (client, ServiceNames.New("inspect") + "/", lease);
    }

    private Task<CliResult> InspectAsync(string prefix) =>
        DiscoveryTool.RunAsync(["inspect", "--endpoints", etcd.Node.ClientUrl, "--key-prefix", prefix]);

    private async Task<JsonElement> SingleFindingAsync(string prefix, string kind)
    {
        var result = await InspectAsync(prefix);
        Assert.True(result.ExitCode == 1, result.ToString());
        var finding = Assert.Single(result.Json().GetProperty("findings").EnumerateArray());
        Assert.Equal(kind, finding.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(finding.GetProperty("message").GetString()));
        return finding;
    }
}
