using System.Diagnostics;
using System.Text;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Tests.Watching;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Discovery.Etcd.Tests.Catalog;

/// <summary>The public read API, through <c>AddDiscoveryEtcd</c> only, against real etcd; each test owns its etcd.</summary>
public sealed class ServiceCatalogTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Watch_InstanceRegistered_AppearsWithItsMetadataAndNotifiesWithinOneSecond()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var services = Services(node);
        using var watch = services.GetRequiredService<IServiceCatalog>().Watch("echo");
        await watch.WaitForSyncAsync().WaitAsync(Deadline);
        var notified = new TaskCompletionSource<(ServiceView View, long At)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = watch.Subscribe(view =>
        {
            if (view.Instances.Count > 0)
            {
                notified.TrySetResult((view, Stopwatch.GetTimestamp()));
            }
        });
        using var writer = new EtcdConnection(Options(node));

        await ServiceRecords.PutRawAsync(
            writer,
            "echo/10.0.0.1:5001",
            Encoding.UTF8.GetBytes("""{"Op":0,"Addr":"10.0.0.1:5001","Metadata":"id=s1&version=v2&zone=eu-1&weight=30&team=blue"}"""));
        var written = Stopwatch.GetTimestamp();
        var (view, at) = await notified.Task.WaitAsync(Deadline);

        var latency = Stopwatch.GetElapsedTime(written, at);
        Assert.True(latency < TimeSpan.FromSeconds(1), $"notified {latency.TotalMilliseconds:0} ms after the write");
        var instance = Assert.Single(view.Instances);
        Assert.Equal(
            ("s1", "10.0.0.1:5001", "10.0.0.1", 5001, "v2", "eu-1", 30),
            (instance.Id, instance.Address, instance.Host, instance.Port, instance.Version, instance.Zone, instance.Weight));
        Assert.Equal(new Dictionary<string, string> { ["team"] = "blue" }, instance.Metadata);
        Assert.True(view.IsEtcdReachable);
        Assert.Same(view, watch.Current);
    }

    [Fact]
    public async Task Watch_EtcdKilled_KeepsTheLastInstancesAndReportsTheirAge()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var services = Services(node);
        using var watch = services.GetRequiredService<IServiceCatalog>().Watch("echo");
        using (var writer = new EtcdConnection(Options(node)))
        {
            await ServiceRecords.PutAsync(writer, "echo", "10.0.0.1:80");
            await ServiceRecords.PutAsync(writer, "echo", "10.0.0.2:80");
        }

        await Eventually.UntilAsync(() => watch.Current.Instances.Count == 2, Deadline, "both instances seen");
        var confirmedBefore = watch.Current.ConfirmedAt;

        await node.KillAsync();
        await Eventually.UntilAsync(() => !watch.Current.IsEtcdReachable, Deadline, "the outage reported");
        await Eventually.UntilAsync(
            () => watch.Current.AgeAt(TimeProvider.System.GetUtcNow()) > TimeSpan.FromSeconds(1), Deadline, "the view ages");

        var view = watch.Current;
        Assert.Equal(["10.0.0.1:80", "10.0.0.2:80"], view.Instances.Select(i => i.Address));
        Assert.NotNull(view.Problem);
        Assert.True(view.IsSynced);
        Assert.NotNull(view.ConfirmedAt);
        Assert.True(view.ConfirmedAt >= confirmedBefore);
    }

    [Fact]
    public async Task Watch_EtcdWipedAndRestarted_EndsAsEtcdsContent()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var services = Services(node, o => o.DataLossGracePeriod = TimeSpan.FromSeconds(1));
        using var watch = services.GetRequiredService<IServiceCatalog>().Watch("echo");
        using (var writer = new EtcdConnection(Options(node)))
        {
            await ServiceRecords.PutAsync(writer, "echo", "10.0.0.1:80");
            await ServiceRecords.PutAsync(writer, "echo", "10.0.0.2:80");
        }

        await Eventually.UntilAsync(() => watch.Current.Instances.Count == 2, Deadline, "both instances seen");

        await node.RestartAsync(wipeData: true);
        using (var writer = new EtcdConnection(Options(node)))
        {
            await ServiceRecords.PutAsync(writer, "echo", "10.0.0.3:80");
        }

        await Eventually.UntilAsync(
            () => watch.Current is { IsEtcdReachable: true } view && view.Instances.Select(i => i.Address).SequenceEqual(["10.0.0.3:80"]),
            Deadline,
            "the view equals etcd's content after the wipe");
    }

    [Fact]
    public async Task Watch_ManyReaders_ShareOneEtcdWatchUntilTheLastLeaves()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var services = Services(node);
        var catalog = services.GetRequiredService<IServiceCatalog>();
        var provider = services.GetRequiredService<ServiceWatcherProvider>();

        var readers = Enumerable.Range(0, 5).Select(_ => catalog.Watch("echo")).ToList();
        using var other = catalog.Watch("other");

        Assert.Equal(2, provider.ActiveWatchers);
        readers.ForEach(r => r.Dispose());
        Assert.Equal(1, provider.ActiveWatchers);
    }

    [Fact]
    public async Task GetAsync_ServiceListed_ReturnsTheSyncedViewAndStopsWatching()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var services = Services(node);
        using (var writer = new EtcdConnection(Options(node)))
        {
            await ServiceRecords.PutAsync(writer, "echo", "10.0.0.1:80", version: "v1");
        }

        var view = await services.GetRequiredService<IServiceCatalog>().GetAsync("echo").WaitAsync(Deadline);

        Assert.True(view.IsSynced);
        Assert.Equal("v1", Assert.Single(view.Instances).Version);
        Assert.Equal(0, services.GetRequiredService<ServiceWatcherProvider>().ActiveWatchers);
    }

    [Fact]
    public async Task Watch_ClientCertificateMissingThenPresent_DoesNotKeepTheFailure()
    {
        using var certificates = TestCertificates.Create();
        var folder = Directory.CreateTempSubdirectory("discovery-catalog-").FullName;
        try
        {
            var cert = Path.Combine(folder, "client.pem");
            var key = Path.Combine(folder, "client-key.pem");
            await using var services = new ServiceCollection()
                .AddDiscoveryEtcd(o =>
                {
                    o.Endpoints = ["https://127.0.0.1:2379"];
                    o.Tls.CertFile = cert;
                    o.Tls.KeyFile = key;
                })
                .BuildServiceProvider();
            var catalog = services.GetRequiredService<IServiceCatalog>();
            Assert.Throws<OptionsValidationException>(() => catalog.Watch("echo"));

            File.Copy(certificates.ClientCertFile, cert);
            File.Copy(certificates.ClientKeyFile, key);

            using var watch = catalog.Watch("echo");
            Assert.Equal("echo", watch.Service);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ServiceProvider Services(EtcdNode node, Action<EtcdOptions>? configure = null) =>
        new ServiceCollection()
            .AddDiscoveryEtcd(o =>
            {
                o.Endpoints = [node.ClientUrl];
                configure?.Invoke(o);
            })
            .BuildServiceProvider();

    private static EtcdOptions Options(EtcdNode node) => new() { Endpoints = [node.ClientUrl] };
}
