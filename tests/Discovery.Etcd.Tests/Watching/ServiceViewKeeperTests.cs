using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mvccpb;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>The view keeper with a fake clock: grace expiry by timer, confirmation age, publication rules.</summary>
public sealed class ServiceViewKeeperTests : IAsyncLifetime
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ConcurrentQueue<ServiceView> _published = new();
    private readonly ServiceViewKeeper _keeper;
    private readonly WatchMetrics _metrics;

    public ServiceViewKeeperTests()
    {
        _metrics = new WatchMetrics(_services.GetRequiredService<IMeterFactory>(), _time);
        _keeper = new ServiceViewKeeper("echo", "echo/", Grace, 64 * 1024, _metrics, NullLogger.Instance, _time);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _keeper.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task ApplyListing_AfterDataLoss_RemovesMissingEndpointsWhenGraceTimerFires()
    {
        _keeper.ApplyListing(Listing(50, ("echo/a", "10.0.0.1:80"), ("echo/b", "10.0.0.2:80")));
        using var subscription = _keeper.Subscribe(_published.Enqueue);

        var outcome = _keeper.ApplyListing(Listing(2, ("echo/b", "10.0.0.2:80")));
        _time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        var duringGrace = Addresses(_keeper.Current);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(outcome.DataLoss);
        Assert.Equal("10.0.0.1:80,10.0.0.2:80", duringGrace);
        Assert.Equal("10.0.0.2:80", Addresses(_keeper.Current));
        await Eventually.UntilAsync(() => _published.Any(v => Addresses(v) == "10.0.0.2:80"), Deadline, "the removal is published");
    }

    [Fact]
    public void ReportProblem_KeepsEndpoints()
    {
        _keeper.ApplyListing(Listing(5, ("echo/a", "10.0.0.1:80")));

        _keeper.ReportProblem("etcd unreachable");

        Assert.Equal("10.0.0.1:80", Addresses(_keeper.Current));
        Assert.Equal("etcd unreachable", _keeper.Current.Problem);
        Assert.True(_keeper.Current.IsSynced);
    }

    [Fact]
    public async Task ReportProblem_Subscriber_IsNotifiedOfTheProblem()
    {
        _keeper.ApplyListing(Listing(5, ("echo/a", "10.0.0.1:80")));
        using var subscription = _keeper.Subscribe(_published.Enqueue);

        _keeper.ReportProblem("etcd unreachable");

        await Eventually.UntilAsync(() => _published.Any(v => v.Problem == "etcd unreachable"), Deadline, "problem published");
    }

    [Fact]
    public void ApplyResponse_Healthy_ClearsTheProblem()
    {
        _keeper.ApplyListing(Listing(5));
        _keeper.ReportProblem("etcd unreachable");

        _keeper.ApplyResponse(new WatchResponse { Header = new ResponseHeader { Revision = 5 }, Created = true }, healthy: true);

        Assert.Null(_keeper.Current.Problem);
    }

    [Fact]
    public void ApplyResponse_CreatedAtARevisionItsEventsHaveNotReached_KeepsTheListedRevisionUntilTheyArrive()
    {
        _keeper.ApplyListing(Listing(3, ("echo/a", "10.0.0.1:80")));

        // A watch from revision 4 is created at etcd's current revision 4; the put at revision 4 comes next.
        _keeper.ApplyResponse(new WatchResponse { Header = new ResponseHeader { Revision = 4 }, Created = true }, healthy: true);
        var created = _keeper.Current;
        _keeper.ApplyResponse(Put(4, "echo/b", "10.0.0.2:80"), healthy: true);

        Assert.Equal(3, created.Revision);
        Assert.Equal("10.0.0.1:80", Addresses(created));
        Assert.Equal(4, _keeper.Current.Revision);
        Assert.Equal("10.0.0.1:80,10.0.0.2:80", Addresses(_keeper.Current));
    }

    [Fact]
    public void Current_NoConfirmation_AgesWithTheClock()
    {
        _keeper.ApplyListing(Listing(5, ("echo/a", "10.0.0.1:80")));

        _time.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal(TimeSpan.FromSeconds(7), _keeper.Current.AgeAt(_time.GetUtcNow()));
    }

    [Fact]
    public void ApplyResponse_ProgressReply_ResetsTheAge()
    {
        _keeper.ApplyListing(Listing(5, ("echo/a", "10.0.0.1:80")));
        _time.Advance(TimeSpan.FromSeconds(7));

        _keeper.ApplyResponse(new WatchResponse { Header = new ResponseHeader { Revision = 6 }, WatchId = -1 }, healthy: false);

        Assert.Equal(TimeSpan.Zero, _keeper.Current.AgeAt(_time.GetUtcNow()));
        Assert.Equal(6, _keeper.Current.Revision);
    }

    [Fact]
    public async Task ApplyResponse_ProgressReply_DoesNotWakeSubscribers()
    {
        _keeper.ApplyListing(Listing(5, ("echo/a", "10.0.0.1:80")));
        using var subscription = _keeper.Subscribe(_published.Enqueue);

        _keeper.ApplyResponse(new WatchResponse { Header = new ResponseHeader { Revision = 6 }, WatchId = -1 }, healthy: false);
        _keeper.ApplyResponse(Put(7, "echo/b", "10.0.0.2:80"), healthy: false);
        await Eventually.UntilAsync(() => _published.Any(v => v.Revision == 7), Deadline, "the put is published");

        Assert.DoesNotContain(_published, v => v.Revision == 6);
    }

    [Fact]
    public void ViewAgeGauge_TrackedWatcher_ReportsSecondsSinceConfirmation()
    {
        _keeper.ApplyListing(Listing(5));
        var watcher = new KeeperWatcher(_keeper);
        using var tracking = _metrics.Track(watcher);
        var ages = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == WatchMetrics.ViewAgeName && ReferenceEquals(instrument.Meter.Scope, _services.GetRequiredService<IMeterFactory>()))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => ages.Add(value));
        listener.Start();

        _time.Advance(TimeSpan.FromSeconds(12));
        listener.RecordObservableInstruments();

        Assert.Equal(12, Assert.Single(ages), precision: 3);
    }

    private static string Addresses(ServiceView view) => string.Join(',', view.Instances.Select(e => e.Address));

    private static RangeResponse Listing(long revision, params (string Key, string Address)[] records)
    {
        var response = new RangeResponse { Header = new ResponseHeader { Revision = revision } };
        response.Kvs.AddRange(records.Select(r => Kv(r.Key, r.Address, revision)));
        return response;
    }

    private static WatchResponse Put(long revision, string key, string address)
    {
        var response = new WatchResponse { Header = new ResponseHeader { Revision = revision } };
        response.Events.Add(new Event { Type = Event.Types.EventType.Put, Kv = Kv(key, address, revision) });
        return response;
    }

    private static KeyValue Kv(string key, string address, long revision) => new()
    {
        Key = ByteString.CopyFromUtf8(key),
        Value = ByteString.CopyFrom(EndpointRecordCodec.Encode(address, EndpointMetadata.Empty, RecordMetadataFormat.FormString)),
        ModRevision = revision,
    };

    private sealed class KeeperWatcher(ServiceViewKeeper keeper) : IServiceWatcher
    {
        public string Service => "echo";

        public ServiceView Current => keeper.Current;

        public IDisposable Subscribe(Action<ServiceView> listener) => keeper.Subscribe(listener);
    }
}
