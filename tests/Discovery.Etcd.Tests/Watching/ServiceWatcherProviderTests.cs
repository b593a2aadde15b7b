using Discovery.Etcd.Watching;
using Discovery.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Discovery.Etcd.Tests.Watching;

public sealed class ServiceWatcherProviderTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Watch_SameServiceTwice_SharesOneWatcher()
    {
        await using var services = BuildServices();
        var catalog = services.GetRequiredService<IServiceCatalog>();

        using var first = catalog.Watch("echo");
        using var second = catalog.Watch("echo");
        using var other = catalog.Watch("echo-v2");

        Assert.Same(WatcherOf(first), WatcherOf(second));
        Assert.NotSame(WatcherOf(first), WatcherOf(other));
    }

    [Fact]
    public async Task Watch_AfterLastReferenceReleased_StartsAFreshWatcher()
    {
        await using var services = BuildServices();
        var catalog = services.GetRequiredService<IServiceCatalog>();
        var first = catalog.Watch("echo");
        var second = catalog.Watch("echo");
        var watcher = WatcherOf(first);

        first.Dispose();
        first.Dispose();
        using (var third = catalog.Watch("echo"))
        {
            Assert.Same(watcher, WatcherOf(third));
        }

        second.Dispose();
        using var fresh = catalog.Watch("echo");

        Assert.NotSame(watcher, WatcherOf(fresh));
    }

    [Fact]
    public async Task Watch_ThroughAddDiscoveryEtcd_ShowsRecordsWrittenToEtcd()
    {
        var options = Options();
        await using var services = BuildServices(options);
        using var watch = services.GetRequiredService<IServiceCatalog>().Watch("echo");
        using var writer = new Discovery.Etcd.Connection.EtcdConnection(options);

        await ServiceRecords.PutAsync(writer, "echo", "10.0.0.1:80");

        await Eventually.UntilAsync(() => watch.Current.Instances.Any(e => e.Address == "10.0.0.1:80"), Deadline, "record seen");
    }

    [Fact]
    public async Task Watch_InvalidServiceName_Throws()
    {
        await using var services = BuildServices();
        var catalog = services.GetRequiredService<IServiceCatalog>();

        Assert.Throws<ArgumentException>(() => catalog.Watch("echo/"));
    }

    private ServiceProvider BuildServices(EtcdOptions? options = null)
    {
        options ??= Options();
        return new ServiceCollection()
            .AddDiscoveryEtcd(o =>
            {
                o.Endpoints = options.Endpoints;
                o.KeyPrefix = options.KeyPrefix;
            })
            .BuildServiceProvider();
    }

    private static IServiceWatcher WatcherOf(IServiceWatch watch) => ((ServiceWatcherReference)watch).Watcher;

    private EtcdOptions Options() => new()
    {
        Endpoints = [etcd.Node.ClientUrl],
        KeyPrefix = $"w{Guid.NewGuid():N}"[..9],
    };
}
