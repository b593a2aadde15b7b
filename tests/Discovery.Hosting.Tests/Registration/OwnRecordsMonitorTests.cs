using System.Text;
using Discovery.Hosting.Leasing;
using Discovery.Etcd.Records;
using Discovery.Etcd;
using Discovery.Hosting.Registration;
using Discovery.Testing.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

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

    [Fact]
    public async Task Monitor_OwnRecordDeletedAfterRegistration_AsksForRewrite()
    {
        await using var fixture = await MonitorFixture.StartAsync();

        fixture.Watcher.Publish(View(revision: 5));
        await fixture.Time.AdvanceUntilAsync(() => fixture.Api.Count("put") == 2, TimeSpan.FromMilliseconds(500));

        Assert.Equal(1, fixture.Api.Count("grant"));
    }

    [Fact]
    public async Task Monitor_MismatchNeverPublished_FoundByTimerCheck()
    {
        await using var fixture = await MonitorFixture.StartAsync();

        // A delete that arrived in the same watch response as our own write: the view never changed, so no publication.
        fixture.Watcher.Current = View(revision: 5);
        await fixture.Time.AdvanceUntilAsync(() => fixture.Api.Count("put") == 2, TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Monitor_ViewOlderThanOurWrite_Ignored()
    {
        await using var fixture = await MonitorFixture.StartAsync();

        fixture.Watcher.Publish(View(revision: 1));
        await fixture.Time.AdvanceAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(1, fixture.Api.Count("put"));
    }

    private static ServiceInstance Record(string address, EndpointMetadata metadata) =>
        new(address, metadata.InstanceId, metadata.Version, metadata.Zone, metadata.Weight, metadata.Properties);

    private static ServiceView View(params ServiceInstance[] records) =>
        new("echo", records, true, 10, DateTimeOffset.UnixEpoch, null);

    private static ServiceView View(long revision) =>
        new("echo", [], true, revision, DateTimeOffset.UnixEpoch, null);

    private sealed class MonitorFixture : IAsyncDisposable
    {
        private MonitorFixture(FakeTimeProvider time, FakeLeaseApi api, LeaseKeeper keeper, FakeServiceWatcher watcher, OwnRecordsMonitor monitor)
        {
            Time = time;
            Api = api;
            Keeper = keeper;
            Watcher = watcher;
            Monitor = monitor;
        }

        public FakeTimeProvider Time { get; }

        public FakeLeaseApi Api { get; }

        public LeaseKeeper Keeper { get; }

        public FakeServiceWatcher Watcher { get; }

        public OwnRecordsMonitor Monitor { get; }

        public static async Task<MonitorFixture> StartAsync()
        {
            var time = new FakeTimeProvider();
            var api = new FakeLeaseApi(time);
            var keeper = new LeaseKeeper(
                "echo",
                api,
                [new LeaseRecord("echo/10.0.0.1:5000", Encoding.UTF8.GetBytes("x"))],
                new LeaseKeeperOptions { Ttl = TimeSpan.FromSeconds(3), RequestTimeout = TimeSpan.FromSeconds(1) },
                time,
                NullLogger.Instance);
            keeper.Start();
            await time.AdvanceUntilAsync(() => keeper.Status.State == LeaseKeeperState.Registered, TimeSpan.FromSeconds(1));
            var watcher = new FakeServiceWatcher("echo");
            var monitor = new OwnRecordsMonitor(
                watcher,
                ["10.0.0.1:5000"],
                _ => Ours,
                keeper,
                NullLogger.Instance,
                time,
                TimeSpan.FromSeconds(1));
            return new MonitorFixture(time, api, keeper, watcher, monitor);
        }

        public async ValueTask DisposeAsync()
        {
            Monitor.Dispose();
            await Keeper.DisposeAsync();
        }
    }
}
