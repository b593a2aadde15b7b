extern alias etcd;

using BenchmarkDotNet.Attributes;
using etcd::Discovery.Etcd.Records;
using etcd::Discovery.Etcd.Watching;
using Etcdserverpb;
using Google.Protobuf;
using Mvccpb;

namespace Discovery.Benchmarks;

/// <summary>
/// The client's part of the first usable view: a watcher applying the listing etcd returned (decode, keying, the
/// endpoint list ordered by address), against parsing that listing off the wire, which a raw range read pays too.
/// Records as the end-to-end bench writes them, one lease each.
/// </summary>
[MemoryDiagnoser]
public class ListingBenchmarks
{
    private const string Prefix = "discovery/scale/";
    private byte[] _wire = [];
    private RangeResponse _listing = new();

    [Params(50, 5000)]
    public int Instances { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var response = new RangeResponse { Header = new ResponseHeader { Revision = 10 * Instances, MemberId = 1 }, Count = Instances };
        for (var i = 0; i < Instances; i++)
        {
            var address = $"127.1.{i / 250}.{(i % 250) + 1}:40000";
            response.Kvs.Add(new KeyValue
            {
                Key = ByteString.CopyFromUtf8(Prefix + address),
                Value = ByteString.CopyFromUtf8($"{{\"Op\":0,\"Addr\":\"{address}\",\"Metadata\":\"id=i{i}&version=v1&weight=100\"}}"),
                CreateRevision = i + 2,
                ModRevision = i + 2,
                Version = 1,
                Lease = 0x7000_0000_0000 + i,
            });
        }

        // etcd lists in key order.
        var sorted = response.Kvs.OrderBy(kv => kv.Key.ToStringUtf8(), StringComparer.Ordinal).ToList();
        response.Kvs.Clear();
        response.Kvs.AddRange(sorted);
        _wire = response.ToByteArray();
        _listing = response;
    }

    [Benchmark(Baseline = true, Description = "parse the range response (raw read's client part)")]
    public RangeResponse Parse() => RangeResponse.Parser.ParseFrom(_wire);

    [Benchmark(Description = "apply the listing and build the endpoints")]
    public int Apply()
    {
        var state = new ServiceViewState(Prefix, 64 * 1024, static (_, _, _) => { });
        state.ApplyListing(_listing.Kvs, _listing.Header.Revision, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(30));
        return state.BuildEndpoints().Count;
    }

    [Benchmark(Description = "decode the records only")]
    public int Decode()
    {
        var n = 0;
        foreach (var kv in _listing.Kvs)
        {
            n += EndpointRecordCodec.TryDecode(kv.Value.Span, out _, out _) ? 1 : 0;
        }

        return n;
    }
}
