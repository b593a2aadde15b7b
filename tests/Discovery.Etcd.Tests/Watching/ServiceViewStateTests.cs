using System.Text;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Google.Protobuf;
using Mvccpb;

namespace Discovery.Etcd.Tests.Watching;

public sealed class ServiceViewStateTests
{
    private const string Prefix = "prod/echo/";
    private const int MaxRecordBytes = 1024;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    private readonly List<(string Key, long Revision, string Reason)> _skipped = [];
    private readonly ServiceViewState _state;

    public ServiceViewStateTests() => _state = new ServiceViewState(Prefix, MaxRecordBytes, (k, r, why) => _skipped.Add((k, r, why)));

    [Fact]
    public void ApplyListing_NestedAndSiblingKeys_KeepsOnlyDirectChildren()
    {
        _state.ApplyListing(
            [
                Record("prod/echo/10.0.0.1:80", "10.0.0.1:80", 5),
                Record("prod/echo/sub/10.0.0.2:80", "10.0.0.2:80", 5),
                Record("prod/echo-v2/10.0.0.3:80", "10.0.0.3:80", 5),
                Record("prod/echo", "10.0.0.4:80", 5),
                Record("prod/echo/", "10.0.0.5:80", 5),
            ],
            revision: 5,
            Now,
            Grace);

        Assert.Equal(["10.0.0.1:80"], Addresses());
    }

    [Fact]
    public void ApplyListing_GoWrittenKeyNames_AreIncluded()
    {
        _state.ApplyListing([Record("prod/echo/7f2c9a0e-uuid", "10.0.0.1:80", 3)], revision: 3, Now, Grace);

        Assert.Equal(["10.0.0.1:80"], Addresses());
    }

    [Fact]
    public void BuildEndpoints_TwoKeysWithSameAddress_CountsItOnceWithNewestMetadata()
    {
        _state.ApplyListing(
            [
                Record("prod/echo/a", "10.0.0.1:80", 3, version: "old"),
                Record("prod/echo/b", "10.0.0.1:80", 4, version: "new"),
                Record("prod/echo/c", "10.0.0.2:80", 2),
            ],
            revision: 4,
            Now,
            Grace);

        var endpoints = _state.BuildEndpoints();

        Assert.Equal(["10.0.0.1:80", "10.0.0.2:80"], endpoints.Select(e => e.Address));
        Assert.Equal("new", endpoints[0].Version);
    }

    [Fact]
    public void ApplyListing_RelistWithoutKey_RemovesItAtOnce()
    {
        _state.ApplyListing([Record("prod/echo/a", "10.0.0.1:80", 3), Record("prod/echo/b", "10.0.0.2:80", 4)], 4, Now, Grace);

        var outcome = _state.ApplyListing([Record("prod/echo/b", "10.0.0.2:80", 4)], revision: 9, Now, Grace);

        Assert.False(outcome.DataLoss);
        Assert.Equal(["10.0.0.2:80"], Addresses());
    }

    [Fact]
    public void ApplyListing_RevisionBelowSeen_ReportsDataLossAndKeepsMissingEntries()
    {
        _state.ApplyListing([Record("prod/echo/a", "10.0.0.1:80", 30), Record("prod/echo/b", "10.0.0.2:80", 40)], 50, Now, Grace);

        var outcome = _state.ApplyListing([Record("prod/echo/b", "10.0.0.2:80", 2)], revision: 2, Now, Grace);

        Assert.Equal(new ListingOutcome(DataLoss: true, Retained: 1), outcome);
        Assert.Equal(["10.0.0.1:80", "10.0.0.2:80"], Addresses());
        Assert.Equal(Now + Grace, _state.NextExpiry);
    }

    [Fact]
    public void ExpireRetained_BeforeGraceEnds_KeepsEntries()
    {
        LoseData();

        var removed = _state.ExpireRetained(Now + Grace - TimeSpan.FromMilliseconds(1));

        Assert.Equal(0, removed);
        Assert.Equal(["10.0.0.1:80", "10.0.0.2:80"], Addresses());
    }

    [Fact]
    public void ExpireRetained_AtGraceEnd_RemovesEntriesStillMissing()
    {
        LoseData();

        var removed = _state.ExpireRetained(Now + Grace);

        Assert.Equal(1, removed);
        Assert.Equal(["10.0.0.2:80"], Addresses());
        Assert.Null(_state.NextExpiry);
    }

    [Fact]
    public void ApplyPut_RetainedKeyRegisteredAgain_IsNoLongerRetained()
    {
        LoseData();

        _state.ApplyPut(Record("prod/echo/a", "10.0.0.1:80", 3, version: "again"));
        _state.ExpireRetained(Now + Grace);

        Assert.Equal(["10.0.0.1:80", "10.0.0.2:80"], Addresses());
        Assert.Equal("again", _state.BuildEndpoints()[0].Version);
        Assert.Equal(0, _state.RetainedCount);
    }

    [Fact]
    public void ApplyListing_DataLossWithZeroGrace_RemovesMissingAtOnce()
    {
        _state.ApplyListing([Record("prod/echo/a", "10.0.0.1:80", 30)], 50, Now, TimeSpan.Zero);

        var outcome = _state.ApplyListing([], revision: 1, Now, TimeSpan.Zero);

        Assert.True(outcome.DataLoss);
        Assert.Empty(Addresses());
    }

    [Fact]
    public void ApplyListing_AfterDataLoss_NewRevisionIsTheBaseline()
    {
        LoseData();

        var outcome = _state.ApplyListing([Record("prod/echo/b", "10.0.0.2:80", 2)], revision: 3, Now, Grace);

        Assert.False(outcome.DataLoss);
        Assert.Equal(3, _state.Revision);
    }

    [Fact]
    public void ApplyDelete_Key_RemovesItsEndpoint()
    {
        _state.ApplyListing([Record("prod/echo/a", "10.0.0.1:80", 3)], 3, Now, Grace);

        _state.ApplyDelete(new KeyValue { Key = ByteString.CopyFromUtf8("prod/echo/a"), ModRevision = 4 });

        Assert.Empty(Addresses());
    }

    [Fact]
    public void ApplyPut_NestedServiceKey_IsIgnored()
    {
        _state.ApplyListing([], 1, Now, Grace);

        _state.ApplyPut(Record("prod/echo/sub/x", "10.0.0.9:80", 2));

        Assert.Empty(Addresses());
    }

    [Fact]
    public void ApplyPut_MalformedValueOverValidKey_MakesKeyAbsentAndReportsOnce()
    {
        _state.ApplyListing([Record("prod/echo/a", "10.0.0.1:80", 3)], 3, Now, Grace);

        _state.ApplyPut(Raw("prod/echo/a", "not json", 4));

        Assert.Empty(Addresses());
        Assert.Equal([("prod/echo/a", 4L)], _skipped.Select(s => (s.Key, s.Revision)));
    }

    [Fact]
    public void ApplyListing_SameMalformedRecordListedAgain_ReportsItOnce()
    {
        KeyValue[] listing = [Raw("prod/echo/a", "{\"Addr\":5}", 3), Record("prod/echo/b", "10.0.0.2:80", 3)];

        _state.ApplyListing(listing, 3, Now, Grace);
        _state.ApplyListing(listing, 7, Now, Grace);

        Assert.Single(_skipped);
        Assert.Equal(["10.0.0.2:80"], Addresses());
    }

    [Fact]
    public void ApplyPut_MalformedRecordRewritten_ReportsEachRevision()
    {
        _state.ApplyListing([], 1, Now, Grace);

        _state.ApplyPut(Raw("prod/echo/a", "[]", 2));
        _state.ApplyPut(Raw("prod/echo/a", "[]", 3));

        Assert.Equal([2L, 3L], _skipped.Select(s => s.Revision));
    }

    [Fact]
    public void Observe_LowerRevision_KeepsHighest()
    {
        _state.ApplyListing([], 10, Now, Grace);

        _state.Observe(12);
        _state.Observe(11);

        Assert.Equal(12, _state.Revision);
    }

    [Fact]
    public void ApplyPut_ValidRecordOverMaxRecordBytes_IsSkippedUndecodedAndReportedOnce()
    {
        var huge = Padded("prod/echo/a", "10.0.0.1:80", MaxRecordBytes + 1, modRevision: 2);

        _state.ApplyPut(huge);
        _state.ApplyListing([huge], revision: 2, Now, Grace);

        Assert.Empty(Addresses());
        var skipped = Assert.Single(_skipped);
        Assert.Equal(("prod/echo/a", 2L), (skipped.Key, skipped.Revision));
        Assert.Contains($"{MaxRecordBytes + 1} bytes, over the {MaxRecordBytes} byte limit (Discovery:Etcd:MaxRecordBytes)", skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyListing_RecordOfExactlyMaxRecordBytes_IsRead()
    {
        _state.ApplyListing([Padded("prod/echo/a", "10.0.0.1:80", MaxRecordBytes, modRevision: 2)], revision: 2, Now, Grace);

        Assert.Equal(["10.0.0.1:80"], Addresses());
        Assert.Empty(_skipped);
    }

    [Fact]
    public void ApplyPut_RecordShrunkBelowMaxRecordBytes_IsRead()
    {
        _state.ApplyPut(Padded("prod/echo/a", "10.0.0.1:80", MaxRecordBytes * 4, modRevision: 2));

        _state.ApplyPut(Record("prod/echo/a", "10.0.0.1:80", 3));

        Assert.Equal(["10.0.0.1:80"], Addresses());
        Assert.Single(_skipped);
    }

    private void LoseData()
    {
        _state.ApplyListing([Record("prod/echo/a", "10.0.0.1:80", 30), Record("prod/echo/b", "10.0.0.2:80", 40)], 50, Now, Grace);
        _state.ApplyListing([Record("prod/echo/b", "10.0.0.2:80", 2)], revision: 2, Now, Grace);
    }

    private string[] Addresses() => [.. _state.BuildEndpoints().Select(e => e.Address)];

    private static KeyValue Record(string key, string address, long modRevision, string? version = null) => new()
    {
        Key = ByteString.CopyFromUtf8(key),
        Value = ByteString.CopyFrom(EndpointRecordCodec.Encode(
            address,
            new EndpointMetadata(null, version, EndpointMetadata.DefaultWeight, null, null),
            RecordMetadataFormat.FormString)),
        ModRevision = modRevision,
    };

    // A valid record whose value is exactly `size` bytes, padded by an unknown field.
    private static KeyValue Padded(string key, string address, int size, long modRevision)
    {
        var start = $$"""{"Addr":"{{address}}","pad":" """;
        var value = start + new string('x', size - start.Length - 2) + "\"}";
        Assert.Equal(size, Encoding.UTF8.GetByteCount(value));
        return Raw(key, value, modRevision);
    }

    private static KeyValue Raw(string key, string value, long modRevision) => new()
    {
        Key = ByteString.CopyFromUtf8(key),
        Value = ByteString.CopyFrom(Encoding.UTF8.GetBytes(value)),
        ModRevision = modRevision,
    };
}
