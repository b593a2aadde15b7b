using System.Diagnostics.Metrics;
using Discovery.ClientFactory.Diagnostics;
using Discovery.ClientFactory.Resolving;
using Discovery.Etcd;
using Discovery.Testing.Fakes;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Resolving;

public sealed class EtcdResolverTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeServiceWatcher _watcher = new("echo");
    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<ResolverResult> _results = [];

    public void Dispose() => _provider.Dispose();

    [Fact]
    public void Start_SyncedView_PushesAddressesWithMetadataAttributes()
    {
        _watcher.PublishSynced(("s1", 5001), ("s2", 5002));
        using var resolver = Start();

        var addresses = _results[^1].Addresses!;
        Assert.Equal(["127.0.0.1:5001", "127.0.0.1:5002"], addresses.Select(a => $"{a.EndPoint.Host}:{a.EndPoint.Port}"));
        Assert.Equal("s1", addresses[0].Attributes.TryGetValue(new BalancerAttributesKey<string>(DiscoveryPickers.InstanceIdAttribute), out var id) ? id : null);
        Assert.Equal(7, addresses[0].Attributes.TryGetValue(new BalancerAttributesKey<int>(DiscoveryPickers.WeightAttribute), out var weight) ? weight : 0);
    }

    [Fact]
    public void Start_EtcdNotAnsweredYet_ReportsNothingUntilTheFirstAnswerWaitEnds()
    {
        using var resolver = Start();
        var before = _results.Count;

        _time.Advance(EtcdResolver.FirstAnswerWait);

        Assert.Equal(0, before);
        Assert.Equal(StatusCode.Unavailable, _results[^1].Status.StatusCode);
        Assert.Contains("has not answered", _results[^1].Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_EtcdUnreachable_ReportsUnavailableWithTheProblem()
    {
        using var resolver = Start();

        _watcher.Publish(new ServiceView("echo", [], false, 0, null, "watch interrupted: connection refused"));

        Assert.Equal(StatusCode.Unavailable, _results[^1].Status.StatusCode);
        Assert.Contains("unreachable since the client started", _results[^1].Status.Detail, StringComparison.Ordinal);
        Assert.Contains("connection refused", _results[^1].Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WatcherAlreadyReportsAProblem_ReportsUnavailableAtOnce()
    {
        _watcher.Publish(new ServiceView("echo", [], false, 0, null, "watch interrupted: connection refused"));

        using var resolver = Start();

        Assert.Equal(StatusCode.Unavailable, Assert.Single(_results).Status.StatusCode);
        Assert.Contains("unreachable since the client started", _results[0].Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Push_ProblemThenSyncedView_ReportsTheAddresses()
    {
        using var resolver = Start();
        _watcher.Publish(new ServiceView("echo", [], false, 0, null, "watch interrupted: connection refused"));

        _watcher.PublishSynced(("s1", 5001));

        Assert.Single(_results[^1].Addresses!);
    }

    [Fact]
    public void Push_UnsyncedViewAfterSyncedOne_KeepsTheLastKnownAddresses()
    {
        _watcher.PublishSynced(("s1", 5001));
        using var resolver = Start();

        _watcher.Publish(new ServiceView("echo", [], false, 0, null, "etcd lost"));

        Assert.Single(_results[^1].Addresses!);
    }

    [Fact]
    public void Push_OneInstanceChanged_ReusesTheAddressesOfTheOthers()
    {
        var s1 = new ServiceInstance("127.0.0.1:5001", "s1", null, null, 100, null);
        var s2 = new ServiceInstance("127.0.0.1:5002", "s2", null, null, 100, null);
        var s3 = new ServiceInstance("127.0.0.1:5003", "s3", null, null, 100, null);
        _watcher.Publish(new ServiceView("echo", [s1, s2], true, 1, _time.GetUtcNow(), null));
        using var resolver = Start();
        var before = _results[^1].Addresses!;

        _watcher.Publish(new ServiceView("echo", [s1, s3], true, 2, _time.GetUtcNow(), null));

        var after = _results[^1].Addresses!;
        Assert.Same(before[0], after[0]);
        Assert.Equal(5003, after[1].EndPoint.Port);
    }

    [Fact]
    public void Refresh_Always_PushesTheCurrentView()
    {
        _watcher.PublishSynced(("s1", 5001));
        using var resolver = Start();
        var before = _results.Count;

        resolver.Refresh();

        Assert.Equal(before + 1, _results.Count);
    }

    [Fact]
    public void Dispose_Always_ReleasesTheSharedWatcher()
    {
        var resolver = Start();

        resolver.Dispose();

        Assert.Equal((1, 0), (_watcher.Disposals, _watcher.Subscribers));
    }

    private EtcdResolver Start()
    {
        var registry = new ClientViewRegistry(_provider.GetRequiredService<IMeterFactory>(), _time);
        var resolver = new EtcdResolver(_watcher, registry, _time);
        resolver.Start(_results.Add);
        return resolver;
    }
}
