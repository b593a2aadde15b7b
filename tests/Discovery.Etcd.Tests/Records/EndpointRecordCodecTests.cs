using System.Text;
using System.Text.Json;
using Discovery.Etcd.Records;

namespace Discovery.Etcd.Tests.Records;

/// <summary>The Go naming record: what we write, what we read, and what we reject.</summary>
public sealed class EndpointRecordCodecTests
{
    private static readonly EndpointMetadata s_full = new(
        "s1",
        "v1",
        100,
        "eu-1",
        new Dictionary<string, string> { ["team"] = "a&b=c d", ["empty"] = string.Empty });

    [Fact]
    public void Encode_FormString_WritesExactlyOpAddrAndMetadataWithOpTheNumberZero()
    {
        using var json = JsonDocument.Parse(EndpointRecordCodec.Encode("10.0.0.1:5000", s_full, RecordMetadataFormat.FormString));

        var root = json.RootElement;
        Assert.Equal(["Op", "Addr", "Metadata"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Number, root.GetProperty("Op").ValueKind);
        Assert.Equal(0, root.GetProperty("Op").GetInt32());
        Assert.Equal("10.0.0.1:5000", root.GetProperty("Addr").GetString());
        Assert.Equal(JsonValueKind.String, root.GetProperty("Metadata").ValueKind);
    }

    [Fact]
    public void Encode_FormString_MetadataIsAFormHoldingTheKnownKeysAndOmittingEmptyValues()
    {
        using var json = JsonDocument.Parse(EndpointRecordCodec.Encode("10.0.0.1:5000", s_full, RecordMetadataFormat.FormString));

        var form = ParseForm(json.RootElement.GetProperty("Metadata").GetString()!);

        Assert.Equal(
            new Dictionary<string, string> { ["id"] = "s1", ["version"] = "v1", ["weight"] = "100", ["zone"] = "eu-1", ["team"] = "a&b=c d" },
            form);
    }

    [Fact]
    public void Encode_UnsetValues_AreOmittedNeverWrittenEmpty()
    {
        var metadata = new EndpointMetadata(null, string.Empty, 7, null, null);

        using var json = JsonDocument.Parse(EndpointRecordCodec.Encode("h:1", metadata, RecordMetadataFormat.FormString));

        Assert.Equal("weight=7", json.RootElement.GetProperty("Metadata").GetString());
    }

    [Fact]
    public void Encode_JsonObject_WritesMetadataAsAnObjectWithWeightANumber()
    {
        using var json = JsonDocument.Parse(EndpointRecordCodec.Encode("h:1", s_full, RecordMetadataFormat.JsonObject));

        var metadata = json.RootElement.GetProperty("Metadata");
        Assert.Equal(JsonValueKind.Object, metadata.ValueKind);
        Assert.Equal(["id", "version", "weight", "zone", "team"], metadata.EnumerateObject().Select(p => p.Name));
        Assert.Equal(100, metadata.GetProperty("weight").GetInt32());
        Assert.Equal("a&b=c d", metadata.GetProperty("team").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryDecode_WhatEncodeWrote_GivesTheSameRecord(bool jsonObject)
    {
        var format = jsonObject ? RecordMetadataFormat.JsonObject : RecordMetadataFormat.FormString;
        var ok = EndpointRecordCodec.TryDecode(EndpointRecordCodec.Encode("[::1]:5000", s_full, format), out var record, out var reason);

        Assert.True(ok, reason);
        Assert.Equal("[::1]:5000", record!.Address);
        Assert.Equal("::1", record.Host);
        Assert.Equal(5000, record.Port);
        Assert.Equal(new EndpointMetadata("s1", "v1", 100, "eu-1", new Dictionary<string, string> { ["team"] = "a&b=c d" }), RecordMetadata.Of(record));
    }

    [Theory]
    [InlineData("h:1:2")]
    [InlineData("h")]
    [InlineData("")]
    public void Encode_AddressNotHostPort_Throws(string address) =>
        Assert.ThrowsAny<ArgumentException>(() => EndpointRecordCodec.Encode(address, EndpointMetadata.Empty, RecordMetadataFormat.FormString));

    [Fact]
    public void Encode_RecordOverTheSizeLimit_Throws()
    {
        var metadata = new EndpointMetadata(null, null, 1, null, new Dictionary<string, string> { ["big"] = new string('x', EndpointRecordCodec.MaxEncodedBytes) });

        Assert.Throws<ArgumentException>(() => EndpointRecordCodec.Encode("h:1", metadata, RecordMetadataFormat.FormString));
    }

    [Fact]
    public void EndpointMetadata_ReservedKeyInProperties_Throws() =>
        Assert.Throws<ArgumentException>(() => new EndpointMetadata(null, null, 1, null, new Dictionary<string, string> { ["weight"] = "5" }));

    [Fact]
    public void TryDecode_FormString_ReadsTypedViewAndProperties()
    {
        var record = Decode("""{"Op":0,"Addr":"10.0.0.1:5000","Metadata":"id=s1&version=v1&weight=30&zone=eu-1&team=a%26b+c"}""");

        Assert.Equal("s1", record.Id);
        Assert.Equal("v1", record.Version);
        Assert.Equal(30, record.Weight);
        Assert.Equal("eu-1", record.Zone);
        Assert.Equal("a&b c", record.Metadata["team"]);
    }

    [Fact]
    public void TryDecode_FormStringEdgeCases_ReadAsFormDecodingDoes()
    {
        // Empty pairs are skipped, a key without '=' has an empty value, an escaped key can name a well-known key,
        // and a repeated key keeps its last value.
        var record = Decode("""{"Addr":"h:1","Metadata":"&&%69d=s1&flag&id+x=1&version=v1&version=v2&=orphan&weight="}""");

        Assert.Equal("s1", record.InstanceId);
        Assert.Equal("v2", record.Version);
        Assert.Equal(EndpointMetadata.DefaultWeight, record.Weight);
        Assert.Equal(new Dictionary<string, string> { ["flag"] = string.Empty, ["id x"] = "1" }, record.Metadata);
    }

    [Fact]
    public void TryDecode_GoManagerObject_ReadsStringsNumbersAndBooleans()
    {
        // What a Go server calling endpoints.Manager.AddEndpoint with a map[string]interface{} writes (Go sorts keys).
        var record = Decode("""{"Addr":"10.0.0.1:5000","Metadata":{"canary":true,"id":"s1","nested":{"a":1},"ratio":0.5,"version":"v1","weight":5,"zone":null}}""");

        Assert.Equal("s1", record.InstanceId);
        Assert.Equal(5, record.Weight);
        Assert.Null(record.Zone);
        Assert.Equal(new Dictionary<string, string> { ["canary"] = "true", ["ratio"] = "0.5" }, record.Metadata);
    }

    [Theory]
    [InlineData("""{"Op":0,"Addr":"h:1","Metadata":null}""")]
    [InlineData("""{"Op":0,"Addr":"h:1"}""")]
    [InlineData("""{"Op":0,"Addr":"h:1","Metadata":""}""")]
    [InlineData("""{"Op":0,"Addr":"h:1","Metadata":42}""")]
    [InlineData("""{"Op":0,"Addr":"h:1","Metadata":["a"]}""")]
    public void TryDecode_NoUsableMetadata_GivesDefaults(string value)
    {
        var record = Decode(value);

        Assert.Equal(EndpointMetadata.Empty, RecordMetadata.Of(record));
        Assert.Equal(100, record.Weight);
        Assert.Equal("h:1", record.Id);
    }

    [Fact]
    public void TryDecode_FieldNamesInAnyCase_AreRead()
    {
        var record = Decode("""{"OP":0,"addr":"h:1","METADATA":"weight=3"}""");

        Assert.Equal("h:1", record.Address);
        Assert.Equal(3, record.Weight);
    }

    [Fact]
    public void TryDecode_DuplicateFields_LastWinsAsInGo()
    {
        Assert.Equal("h:2", Decode("""{"Addr":"h:1","addr":"h:2"}""").Address);
    }

    [Fact]
    public void TryDecode_ExtraFields_AreIgnored()
    {
        var record = Decode("""{"Op":0,"Addr":"h:1","Metadata":"weight=2","Extra":{"deep":[1,2,{"x":null}]},"n":1}""");

        Assert.Equal(2, record.Weight);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("255")]
    [InlineData("null")]
    public void TryDecode_OpAnyUnsignedByte_IsReadAsAnAdd(string op)
    {
        Assert.Equal("h:1", Decode($$"""{"Op":{{op}},"Addr":"h:1"}""").Address);
    }

    [Theory]
    [InlineData("""{"Op":"Add","Addr":"h:1"}""", "Op is not an integer")]
    [InlineData("""{"Op":-1,"Addr":"h:1"}""", "Op is not an integer")]
    [InlineData("""{"Op":256,"Addr":"h:1"}""", "Op is not an integer")]
    [InlineData("""{"Op":0.5,"Addr":"h:1"}""", "Op is not an integer")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"Addr":"h:1" """, "not valid JSON")]
    [InlineData("""{"Addr":"h:1"} x""", "not valid JSON")]
    [InlineData("""[{"Addr":"h:1"}]""", "not a JSON object")]
    [InlineData("42", "not a JSON object")]
    [InlineData("null", "not a JSON object")]
    [InlineData("""{"Op":0}""", "no Addr")]
    [InlineData("""{"Addr":""}""", "no Addr")]
    [InlineData("""{"Addr":null}""", "no Addr")]
    [InlineData("""{"Addr":5000}""", "Addr is not a string")]
    [InlineData("""{"Addr":"10.0.0.1"}""", "is not host:port")]
    [InlineData("""{"Addr":"10.0.0.1:"}""", "no valid port")]
    [InlineData("""{"Addr":"10.0.0.1:0"}""", "no valid port")]
    [InlineData("""{"Addr":"10.0.0.1:70000"}""", "no valid port")]
    [InlineData("""{"Addr":"10.0.0.1:+80"}""", "no valid port")]
    [InlineData("""{"Addr":"::1:5000"}""", "is not host:port")]
    [InlineData("""{"Addr":"[::1]5000"}""", "is not [host]:port")]
    [InlineData("""{"Addr":"[not-v6]:5000"}""", "invalid host")]
    [InlineData("""{"Addr":"h st:5000"}""", "invalid host")]
    [InlineData("""{"Addr":"http://h:5000"}""", "is not host:port")]
    [InlineData("""{"Addr":"h/x:5000"}""", "invalid host")]
    [InlineData("""{"Addr":"h:1","Metadata":"weight=0"}""", "weight '0' is not a positive integer")]
    [InlineData("""{"Addr":"h:1","Metadata":"weight=-5"}""", "weight '-5' is not a positive integer")]
    [InlineData("""{"Addr":"h:1","Metadata":"weight=heavy"}""", "weight 'heavy' is not a positive integer")]
    [InlineData("""{"Addr":"h:1","Metadata":{"weight":2.5}}""", "weight '2.5' is not a positive integer")]
    [InlineData("""{"Addr":"h:1","Metadata":{"weight":99999999999}}""", "weight '99999999999' is not a positive integer")]
    [InlineData("", "empty")]
    public void TryDecode_InvalidRecord_RejectsWithReason(string value, string expectedReason)
    {
        var ok = EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes(value), out var record, out var reason);

        Assert.False(ok);
        Assert.Null(record);
        Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
    }

    // Found by EndpointRecordFuzzTests: int.TryParse reads trailing NUL characters, so "80\0" was port 80.
    [Theory]
    [InlineData("""{"Addr":"h:80\u0000"}""", "no valid port")]
    [InlineData("""{"Addr":"h:80\u0000\u0000"}""", "no valid port")]
    [InlineData("""{"Addr":"h:1","Metadata":"weight=5%00"}""", "is not a positive integer")]
    [InlineData("""{"Addr":"h:1","Metadata":{"weight":"5\u0000"}}""", "is not a positive integer")]
    public void TryDecode_NumberWithTrailingNul_RejectsWithReason(string value, string expectedReason)
    {
        Assert.False(EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes(value), out _, out var reason));
        Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
    }

    // Found by EndpointRecordFuzzTests: a host of any length was read, though no DNS name is over 253 characters.
    [Fact]
    public void TryDecode_HostOver253Characters_RejectsWithReason()
    {
        Assert.Equal(new string('a', 253) + ":80", Decode($$"""{"Addr":"{{new string('a', 253)}}:80"}""").Address);

        Assert.False(EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes($$"""{"Addr":"{{new string('a', 254)}}:80"}"""), out _, out var reason));
        Assert.Contains("has a host longer than 253 characters", reason, StringComparison.Ordinal);
    }

    // Found by EndpointRecordFuzzTests: a reason quoted Addr whole, so one record could log 64 KiB or forge log lines.
    [Fact]
    public void TryDecode_LongAddrWithControlCharacters_ReasonQuotesItsEscapedStartOnly()
    {
        var escapedAddress = "line\\nforged " + new string('a', 10_000);

        Assert.False(EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes($$"""{"Addr":"{{escapedAddress}}"}"""), out _, out var reason));

        Assert.StartsWith("Addr 'line\\u000Aforged aaa", reason, StringComparison.Ordinal);
        Assert.EndsWith("' (10012 characters) is not host:port", reason, StringComparison.Ordinal);
        Assert.True(reason.Length < 200, reason);
    }

    [Fact]
    public void TryDecode_ValueOfAnySize_IsDecodedSinceTheCallerBoundsTheSize()
    {
        var record = Decode($$"""{"Addr":"h:1","Metadata":"x={{new string('a', 1024 * 1024)}}"}""");

        Assert.Equal(1024 * 1024, record.Metadata["x"].Length);
    }

    [Fact]
    public void TryDecode_TooDeeplyNested_RejectsWithReason()
    {
        var value = Encoding.UTF8.GetBytes("""{"Addr":"h:1","x":""" + new string('[', 100) + new string(']', 100) + "}");

        Assert.False(EndpointRecordCodec.TryDecode(value, out _, out var reason));
        Assert.Contains("not valid JSON", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_InvalidUtf8_RejectsWithoutThrowing()
    {
        byte[] value = [.. """{"Addr":"h:1","Metadata":"id="""u8, 0xC3, 0x28, .. "\"}"u8];

        var ok = EndpointRecordCodec.TryDecode(value, out _, out var reason);

        Assert.False(ok);
        Assert.NotNull(reason);
    }

    [Fact]
    public void TryDecode_RandomBytes_NeverThrows()
    {
        var random = new Random(42);
        var seed = EndpointRecordCodec.Encode("10.0.0.1:5000", s_full, RecordMetadataFormat.JsonObject);
        for (var i = 0; i < 5_000; i++)
        {
            var value = (byte[])seed.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                value[random.Next(value.Length)] = (byte)random.Next(256);
            }

            var ok = EndpointRecordCodec.TryDecode(value[..random.Next(value.Length + 1)], out var record, out var reason);

            Assert.True(ok ? record is not null : reason is not null);
        }
    }

    private static ServiceInstance Decode(string value)
    {
        var ok = EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes(value), out var record, out var reason);
        Assert.True(ok, reason);
        return record!;
    }

    private static Dictionary<string, string> ParseForm(string form) =>
        form.Split('&').Select(p => p.Split('=')).ToDictionary(
            p => Uri.UnescapeDataString(p[0].Replace('+', ' ')),
            p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
}
