using Discovery.Testing;

namespace Discovery.ClientFactory.Tests;

/// <summary>
/// The package's public surface, read from the built assembly: <c>UseEtcd</c>, <c>AddDiscoveryPicker</c>, the per-call
/// routing helpers, the options, and the names applications write in code and configuration.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Assembly_ExportedTypes_AreTheOptionsNamesRoutingAndExtensionClasses() =>
        Assert.Equal(
            [
                "Discovery.ClientFactory.DiscoveryPickers",
                "Discovery.ClientFactory.DiscoveryRetryOptions",
                "Discovery.ClientFactory.DiscoveryRouting",
                "Discovery.ClientFactory.DiscoverySubsetOptions",
                "Discovery.ClientFactory.EtcdClientOptions",
                "Discovery.ClientFactory.EtcdClientTlsOptions",
                "Microsoft.Extensions.DependencyInjection.DiscoveryPickerServiceCollectionExtensions",
                "Microsoft.Extensions.DependencyInjection.EtcdClientHealthChecksBuilderExtensions",
                "Microsoft.Extensions.DependencyInjection.EtcdHttpClientBuilderExtensions",
            ],
            PublicSurface.Types(typeof(EtcdClientOptions).Assembly));

    [Fact]
    public void Assembly_PublicMethods_KeepTheirParameterNames() =>
        Assert.Equal(
            [
                "DiscoveryPickerServiceCollectionExtensions.AddDiscoveryPicker(IServiceCollection services, String name, Func<IReadOnlyList<Subchannel>, SubchannelPicker> factory)",
                "DiscoveryRouting.Scope(String instanceId, String version, String hashKey)",
                "DiscoveryRouting.WithHashKey(CallOptions options, String hashKey)",
                "DiscoveryRouting.WithHashKey(Metadata metadata, String hashKey)",
                "DiscoveryRouting.WithInstance(CallOptions options, String instanceId)",
                "DiscoveryRouting.WithInstance(Metadata metadata, String instanceId)",
                "DiscoveryRouting.WithVersion(CallOptions options, String version)",
                "DiscoveryRouting.WithVersion(Metadata metadata, String version)",
                "EtcdClientHealthChecksBuilderExtensions.AddEtcdClientsCheck(IHealthChecksBuilder builder, String name, HealthStatus? failureStatus, IEnumerable<String> tags)",
                "EtcdHttpClientBuilderExtensions.UseEtcd(IHttpClientBuilder builder)",
                "EtcdHttpClientBuilderExtensions.UseEtcd(IHttpClientBuilder builder, Action<EtcdClientOptions> configure)",
                "EtcdHttpClientBuilderExtensions.UseEtcd(IHttpClientBuilder builder, String service)",
                "EtcdHttpClientBuilderExtensions.UseEtcd(IHttpClientBuilder builder, String service, Action<EtcdClientOptions> configure)",
            ],
            PublicSurface.Methods(typeof(EtcdClientOptions).Assembly));

    [Fact]
    public void Options_Properties_KeepTheirConfigurationKeys() =>
        Assert.Equal(
            [
                "DiscoveryRetryOptions.InitialBackoff: TimeSpan",
                "DiscoveryRetryOptions.MaxAttempts: Int32",
                "DiscoveryRetryOptions.MaxBackoff: TimeSpan",
                "DiscoveryRetryOptions.NeverReached: Boolean",
                "DiscoveryRetryOptions.Unavailable: Boolean",
                "DiscoverySubsetOptions.ClientIndex: Int32?",
                "DiscoverySubsetOptions.Size: Int32",
                "EtcdClientOptions.P2cDecayTime: TimeSpan",
                "EtcdClientOptions.P2cForcePickInterval: TimeSpan",
                "EtcdClientOptions.Picker: String",
                "EtcdClientOptions.Retry: DiscoveryRetryOptions",
                "EtcdClientOptions.Service: String",
                "EtcdClientOptions.StaleViewThreshold: TimeSpan",
                "EtcdClientOptions.StartupWait: TimeSpan",
                "EtcdClientOptions.Subset: DiscoverySubsetOptions",
                "EtcdClientOptions.Tls: EtcdClientTlsOptions",
                "EtcdClientOptions.Version: String",
                "EtcdClientOptions.Zone: String",
                "EtcdClientTlsOptions.CaFile: String",
                "EtcdClientTlsOptions.CertFile: String",
                "EtcdClientTlsOptions.Enabled: Boolean",
                "EtcdClientTlsOptions.KeyFile: String",
                "EtcdClientTlsOptions.ServerName: String",
            ],
            PublicSurface.Properties(typeof(EtcdClientOptions).Assembly));

    [Fact]
    public void Assembly_PublicConstants_PickerNamesHeadersAndSectionNameKeepTheirValues() =>
        Assert.Equal(
            [
                "DiscoveryPickers.ConsistentHash = consistent_hash",
                "DiscoveryPickers.InstanceIdAttribute = discovery.instance_id",
                "DiscoveryPickers.LeastRequest = least_request",
                "DiscoveryPickers.PickFirst = pick_first",
                "DiscoveryPickers.PowerOfTwoChoices = p2c",
                "DiscoveryPickers.Random = random",
                "DiscoveryPickers.RoundRobin = round_robin",
                "DiscoveryPickers.VersionAttribute = discovery.version",
                "DiscoveryPickers.WeightAttribute = discovery.weight",
                "DiscoveryPickers.WeightedRoundRobin = weighted_round_robin",
                "DiscoveryPickers.ZoneAttribute = discovery.zone",
                "DiscoveryRetryOptions.MaxAllowedAttempts = 5",
                "DiscoveryRouting.HashKeyHeader = discovery-hash-key",
                "DiscoveryRouting.InstanceHeader = discovery-instance",
                "DiscoveryRouting.VersionHeader = discovery-version",
                "EtcdClientOptions.SectionName = Discovery:Clients",
            ],
            PublicSurface.Constants(typeof(EtcdClientOptions).Assembly));
}
