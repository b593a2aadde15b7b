using System.Diagnostics;
using System.Text.Json;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Discovery.Testing;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Etcd.Tests.Records;

/// <summary>
/// The record format seen by another language's etcd v3 client: python3-etcd3 (gRPC) reads what we write, and we
/// read what it writes in the form Go's endpoints.Manager uses.
/// </summary>
public sealed class PythonInteropTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task Encode_ReadByPythonEtcd3_IsJsonWithOpIntZeroAddrAndAFormStringMetadata()
    {
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { node.ClientUrl } });
        var metadata = new EndpointMetadata("s1", "v1", 100, "eu-1", new Dictionary<string, string> { ["team"] = "a&b c" });
        var key = ServiceKeys.EndpointKey("prod", "echo", "10.0.0.1:5000");
        await connection.KV.PutAsync(
            new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(EndpointRecordCodec.Encode("10.0.0.1:5000", metadata, RecordMetadataFormat.FormString)) },
            connection.UnaryOptions(CancellationToken.None));

        var output = await RunPythonAsync(
            """
            import etcd3, json, sys, urllib.parse
            client = etcd3.client(host="127.0.0.1", port=int(sys.argv[1]), timeout=5)
            value, _ = client.get(sys.argv[2])
            record = json.loads(value)
            print(json.dumps({
                "names": list(record.keys()),
                "op_type": type(record["Op"]).__name__, "op": record["Op"],
                "addr": record["Addr"],
                "metadata_type": type(record["Metadata"]).__name__,
                "form": {k: v[0] for k, v in urllib.parse.parse_qs(record["Metadata"], strict_parsing=True).items()},
            }))
            """,
            node.ClientPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            key);

        using var result = JsonDocument.Parse(output);
        var root = result.RootElement;
        Assert.Equal(["Op", "Addr", "Metadata"], root.GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("int", root.GetProperty("op_type").GetString());
        Assert.Equal(0, root.GetProperty("op").GetInt32());
        Assert.Equal("10.0.0.1:5000", root.GetProperty("addr").GetString());
        Assert.Equal("str", root.GetProperty("metadata_type").GetString());
        Assert.Equal(
            new Dictionary<string, string> { ["id"] = "s1", ["version"] = "v1", ["weight"] = "100", ["zone"] = "eu-1", ["team"] = "a&b c" },
            root.GetProperty("form").Deserialize<Dictionary<string, string>>());
    }

    [Fact]
    public async Task TryDecode_RecordWrittenByPythonWithObjectMetadata_ReadsIt()
    {
        await using var node = await EtcdNode.StartAsync();
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { node.ClientUrl } });
        var key = ServiceKeys.EndpointKey(null, "echo", "10.0.0.2:6000");

        await RunPythonAsync(
            """
            import etcd3, json, sys
            client = etcd3.client(host="127.0.0.1", port=int(sys.argv[1]), timeout=5)
            record = {"Op": 0, "Addr": "10.0.0.2:6000", "Metadata": {"canary": True, "id": "py1", "weight": 7, "zone": "eu-2"}}
            client.put(sys.argv[2], json.dumps(record, sort_keys=True))
            print("ok")
            """,
            node.ClientPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            key);
        var response = await connection.KV.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, connection.UnaryOptions(CancellationToken.None));

        var ok = EndpointRecordCodec.TryDecode(response.Kvs.Single().Value.Span, out var record, out var reason);

        Assert.True(ok, reason);
        Assert.Equal("10.0.0.2:6000", record!.Address);
        Assert.Equal("py1", record.Id);
        Assert.Equal(7, record.Weight);
        Assert.Equal("eu-2", record.Zone);
        Assert.Equal("true", record.Metadata["canary"]);
    }

    private static async Task<string> RunPythonAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python did not finish within 30 s: {await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"python exited with {process.ExitCode}: {await stderr}");
        return (await stdout).Trim();
    }
}
