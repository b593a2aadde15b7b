extern alias etcd;

using System.Text;
using BenchmarkDotNet.Attributes;
using etcd::Discovery.Etcd.Records;

namespace Discovery.Benchmarks;

/// <summary>
/// The cost of decoding one etcd record, the watcher's hot path on every listing and event: our Go-safe form-string
/// metadata, a Go <c>endpoints.Manager</c> object, and no metadata. Encoding runs once per registration and is
/// measured for completeness.
/// </summary>
[MemoryDiagnoser]
public class RecordCodecBenchmarks
{
    private static readonly EndpointMetadata s_metadata = new(
        "s1", "v1", 100, "eu-1", new Dictionary<string, string> { ["canary"] = "true" });

    private readonly byte[] _formString = EndpointRecordCodec.Encode("127.0.0.1:5001", s_metadata, RecordMetadataFormat.FormString);
    private readonly byte[] _jsonObject = EndpointRecordCodec.Encode("127.0.0.1:5001", s_metadata, RecordMetadataFormat.JsonObject);
    private readonly byte[] _noMetadata = Encoding.UTF8.GetBytes("""{"Op":0,"Addr":"127.0.0.1:5001","Metadata":null}""");

    [Benchmark(Baseline = true, Description = "decode, metadata as a form string")]
    public object? DecodeFormString() => Decode(_formString);

    [Benchmark(Description = "decode, metadata as a JSON object")]
    public object? DecodeJsonObject() => Decode(_jsonObject);

    [Benchmark(Description = "decode, null metadata")]
    public object? DecodeNoMetadata() => Decode(_noMetadata);

    [Benchmark(Description = "encode, form string")]
    public byte[] EncodeFormString() => EndpointRecordCodec.Encode("127.0.0.1:5001", s_metadata, RecordMetadataFormat.FormString);

    private static object? Decode(byte[] value) =>
        EndpointRecordCodec.TryDecode(value, out var record, out _) ? record : null;
}
