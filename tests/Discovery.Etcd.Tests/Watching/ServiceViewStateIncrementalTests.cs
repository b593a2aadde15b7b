using System.Text;
using CsCheck;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Google.Protobuf;
using Mvccpb;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>
/// The endpoints kept up to date one change at a time equal the endpoints built from every record, for any sequence
/// of puts, deletes, malformed values, keys sharing an address, listings (data loss included) and grace expiries.
/// </summary>
public sealed class ServiceViewStateIncrementalTests
{
    private const string Prefix = "prod/echo/";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    private enum Kind
    {
        Put,
        PutMalformed,
        Delete,
        Listing,
        ListingAfterDataLoss,
        Expire,
    }

    [Fact]
    public void BuildEndpoints_AfterEveryChange_EqualsAFullRebuild()
    {
        var operation = Gen.Select(
            Gen.Frequency((6, Gen.Const(Kind.Put)), (1, Gen.Const(Kind.PutMalformed)), (3, Gen.Const(Kind.Delete)), (1, Gen.Const(Kind.Listing)), (1, Gen.Const(Kind.ListingAfterDataLoss)), (1, Gen.Const(Kind.Expire))),
            Gen.Int[0, 5],
            Gen.Int[0, 3],
            Gen.Int[0, 2]);
        operation.Array[1, 25].Sample(
            operations =>
            {
                var kept = new Replay();
                for (var step = 0; step < operations.Length; step++)
                {
                    kept.Apply(operations[step]);
                    var incremental = kept.State.BuildEndpoints();

                    // The same operations with no build in between: the first build is a full one.
                    var rebuilt = new Replay();
                    foreach (var op in operations[..(step + 1)])
                    {
                        rebuilt.Apply(op);
                    }

                    var full = rebuilt.State.BuildEndpoints();
                    Assert.True(rebuilt.State.EndpointsRebuilt);
                    Assert.Equal(Describe(full), Describe(incremental));
                }
            },
            iter: 2000);
    }

    [Fact]
    public void BuildEndpoints_OnePutAfterAListing_KeepsTheListUpToDateWithoutARebuild()
    {
        var replay = new Replay();
        replay.Apply((Kind.Listing, 0, 0, 0));
        replay.State.BuildEndpoints();

        replay.Apply((Kind.Put, 1, 1, 0));
        var endpoints = replay.State.BuildEndpoints();

        Assert.False(replay.State.EndpointsRebuilt);
        Assert.Equal(["10.0.0.1:80"], endpoints.Select(e => e.Address));
    }

    [Fact]
    public void BuildEndpoints_PutOfAnEqualRecord_ReturnsTheSameList()
    {
        var replay = new Replay();
        replay.Apply((Kind.Listing, 0, 0, 0));
        replay.Apply((Kind.Put, 1, 1, 0));
        var before = replay.State.BuildEndpoints();

        replay.Apply((Kind.Put, 1, 1, 0));

        Assert.Same(before, replay.State.BuildEndpoints());
    }

    private static string Describe(IReadOnlyList<Discovery.Etcd.ServiceInstance> endpoints) =>
        string.Join(", ", endpoints.Select(e => $"{e.Address}={e.Id}/{e.Version}"));

    /// <summary>A state and an etcd store it follows: each operation changes the store and tells the state.</summary>
    private sealed class Replay
    {
        private readonly Dictionary<string, KeyValue> _store = new(StringComparer.Ordinal);
        private long _revision = 10;
        private DateTimeOffset _now = Start;

        public ServiceViewState State { get; } = new(Prefix, 1024, (_, _, _) => { });

        public void Apply((Kind Kind, int Key, int Address, int Version) op)
        {
            var key = $"{Prefix}k{op.Key}";
            switch (op.Kind)
            {
                case Kind.Put:
                case Kind.PutMalformed:
                    var kv = new KeyValue
                    {
                        Key = ByteString.CopyFromUtf8(key),
                        Value = op.Kind == Kind.Put
                            ? ByteString.CopyFrom(EndpointRecordCodec.Encode(
                                $"10.0.0.{op.Address}:80",
                                new EndpointMetadata($"k{op.Key}", $"v{op.Version}", EndpointMetadata.DefaultWeight, null, null),
                                RecordMetadataFormat.FormString))
                            : ByteString.CopyFrom(Encoding.UTF8.GetBytes("{not json")),
                        ModRevision = ++_revision,
                    };
                    _store[key] = kv;
                    if (State.IsSynced)
                    {
                        State.ApplyPut(kv);
                    }

                    break;
                case Kind.Delete:
                    _store.Remove(key);
                    if (State.IsSynced)
                    {
                        State.ApplyDelete(new KeyValue { Key = ByteString.CopyFromUtf8(key), ModRevision = ++_revision });
                    }

                    break;
                case Kind.Listing:
                    State.ApplyListing([.. _store.Values], ++_revision, _now, Grace);
                    break;
                case Kind.ListingAfterDataLoss:
                    // etcd restored from an old snapshot: it lists some of the keys, at a lower revision.
                    var kept = _store.Values.Where((_, i) => i % 2 == 0).ToList();
                    _store.Clear();
                    kept.ForEach(k => _store[k.Key.ToStringUtf8()] = k);
                    _revision = Math.Max(1, _revision - 5);
                    State.ApplyListing(kept, _revision, _now, Grace);
                    break;
                case Kind.Expire:
                    _now += Grace;
                    State.ExpireRetained(_now);
                    break;
            }
        }
    }
}
