using Discovery.Testing;

namespace Discovery.Etcd.Tests;

/// <summary>
/// The package's public types and the options' configuration keys, read from the built assembly. Every public member
/// is also tracked by PublicAPI.Shipped.txt / PublicAPI.Unshipped.txt; this test keeps the configuration keys, which
/// are public API that no compiler checks, in view.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Assembly_ExportedTypes_AreTheOptionsTheReadApiTheTelemetryNamesAndTheRegistration() =>
        Assert.Equal(
            [
                "Discovery.Etcd.DiscoveryTelemetry",
                "Discovery.Etcd.EtcdOptions",
                "Discovery.Etcd.EtcdTlsOptions",
                "Discovery.Etcd.IServiceCatalog",
                "Discovery.Etcd.IServiceWatch",
                "Discovery.Etcd.ServiceCatalogExtensions",
                "Discovery.Etcd.ServiceInstance",
                "Discovery.Etcd.ServiceView",
                "Microsoft.Extensions.DependencyInjection.DiscoveryEtcdServiceCollectionExtensions",
            ],
            PublicSurface.Types(typeof(EtcdOptions).Assembly));

    [Fact]
    public void Options_Properties_KeepTheirConfigurationKeys() =>
        Assert.Equal(
            [
                "EtcdOptions.ConnectTimeout: TimeSpan",
                "EtcdOptions.DataLossGracePeriod: TimeSpan",
                "EtcdOptions.Endpoints: IList<String>",
                "EtcdOptions.KeepAliveInterval: TimeSpan",
                "EtcdOptions.KeyPrefix: String",
                "EtcdOptions.MaxRecordBytes: Int32",
                "EtcdOptions.Password: String",
                "EtcdOptions.RequestTimeout: TimeSpan",
                "EtcdOptions.Tls: EtcdTlsOptions",
                "EtcdOptions.Username: String",
                "EtcdTlsOptions.CaFile: String",
                "EtcdTlsOptions.CertFile: String",
                "EtcdTlsOptions.KeyFile: String",
            ],
            PublicSurface.Properties(typeof(EtcdOptions).Assembly).Where(p => p.StartsWith("Etcd", StringComparison.Ordinal)));

    [Fact]
    public void Assembly_PublicConstants_KeepTheirValues() =>
        Assert.Equal(
            [
                "DiscoveryTelemetry.ActivitySourceName = Discovery",
                "DiscoveryTelemetry.MeterName = Discovery",
                "EtcdOptions.SectionName = Discovery:Etcd",
                "ServiceInstance.DefaultWeight = 100",
            ],
            PublicSurface.Constants(typeof(EtcdOptions).Assembly));
}
