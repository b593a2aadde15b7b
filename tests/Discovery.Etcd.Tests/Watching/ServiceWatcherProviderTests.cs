using Discovery.Etcd.DependencyInjection;
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
        var provider = services.GetRequiredService<IServiceWatcherProvider>();
        var options = Options();

        using var first = provider.Watch(options, "echo");
        using var second = provider.Watch(options, "echo");
        using var other = provider.Watch(options, "echo-v2");

        Assert.Same(first.Watcher, second.Watcher);
        Assert.NotSame(first.Watcher, other.Watcher);
    }

    [Fact]
    public async Task Watch_AfterLastReferenceReleased_StartsAFreshWatcher()
    {
        await using var services = BuildServices();
        var provider = services.GetRequiredService<IServiceWatcherProvider>();
        var options = Options();
        var first = provider.Watch(options, "echo");
        var second = provider.Watch(options, "echo");
        var watcher = first.Watcher;

        first.Dispose();
        first.Dispose();
        using (var third = provider.Watch(options, "echo"))
        {
            Assert.Same(watcher, third.Watcher);
        }

        second.Dispose();
        using var fresh = provider.Watch(options, "echo");

        Assert.NotSame(watcher, fresh.Watcher);
    }

    [Fact]
    public async Task Watch_ThroughAddDiscoveryEtcd_ShowsRecordsWrittenToEtcd()
    {
        await using var services = BuildServices();
        var options = Options();
        using var reference = services.GetRequiredService<IServiceWatcherProvider>().Watch(options, "echo");
        using var writer = new Connection.EtcdConnection(options);

        await ServiceRecords.PutAsync(writer, "echo", "10.0.0.1:80");

        await Eventually.UntilAsync(() => reference.Watcher.Current.Endpoints.Any(e => e.Address == "10.0.0.1:80"), Deadline, "record seen");
    }

    [Fact]
    public async Task Watch_InvalidServiceName_Throws()
    {
        await using var services = BuildServices();
        var provider = services.GetRequiredService<IServiceWatcherProvider>();

        Assert.Throws<ArgumentException>(() => provider.Watch(Options(), "echo/"));
    }

    private static ServiceProvider BuildServices() => new ServiceCollection().AddDiscoveryEtcd().BuildServiceProvider();

    private EtcdOptions Options() => new()
    {
        Endpoints = [etcd.Node.ClientUrl],
        KeyPrefix = $"w{Guid.NewGuid():N}"[..9],
    };
}
