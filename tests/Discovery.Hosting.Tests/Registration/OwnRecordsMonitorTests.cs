using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Discovery.Hosting.Registration;

namespace Discovery.Hosting.Tests.Registration;

public sealed class OwnRecordsMonitorTests
{
    private static readonly EndpointMetadata Ours = new("s1", "v1", 100, null, null);

    [Fact]
    public void FindMismatch_AllOwnRecordsPresentAndEqual_ReturnsNull()
    {
        var view = View(Record("10.0.0.1:5000", Ours), Record("10.0.0.2:5000", new EndpointMetadata("s2", "v1", 100, null, null)));

        Assert.Null(OwnRecordsMonitor.FindMismatch(view, ["10.0.0.1:5000"], Ours));
    }

    [Fact]
    public void FindMismatch_OwnRecordMissing_ReturnsItsAddress()
    {
        var view = View(Record("10.0.0.1:5000", Ours));

        Assert.Equal("10.0.0.1:5001", OwnRecordsMonitor.FindMismatch(view, ["10.0.0.1:5000", "10.0.0.1:5001"], Ours));
    }

    [Fact]
    public void FindMismatch_OwnRecordOverwrittenByAnotherInstance_ReturnsItsAddress()
    {
        var view = View(Record("10.0.0.1:5000", new EndpointMetadata("intruder", "v1", 100, null, null)));

        Assert.Equal("10.0.0.1:5000", OwnRecordsMonitor.FindMismatch(view, ["10.0.0.1:5000"], Ours));
    }

    private static EndpointRecord Record(string address, EndpointMetadata metadata)
    {
        Assert.True(EndpointRecordCodec.TryParseAddress(address, out var host, out var port, out _));
        return new EndpointRecord(address, host, port, metadata);
    }

    private static ServiceView View(params EndpointRecord[] records) =>
        new("echo", records, true, 10, DateTimeOffset.UnixEpoch, null);
}
