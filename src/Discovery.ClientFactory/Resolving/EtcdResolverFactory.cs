using Discovery.ClientFactory.Diagnostics;
using Discovery.ClientFactory.Tls;
using Discovery.Etcd;
using Discovery.Etcd.Records;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Resolving;

/// <summary>
/// Resolves <c>etcd:///{service}</c> addresses. Every channel gets its own resolver, but all resolvers of one
/// service share one watcher (and so one etcd watch) through <see cref="IServiceCatalog"/>.
/// </summary>
internal sealed class EtcdResolverFactory(IServiceProvider services) : ResolverFactory
{
    /// <summary>The address scheme: <c>etcd:///{service}</c>, as etcd's Go resolver uses.</summary>
    public const string Scheme = "etcd";

    public override string Name => Scheme;

    public static Uri AddressOf(string service) => new($"{Scheme}:///{service}");

    public static string ServiceOf(Uri address)
    {
        var service = Uri.UnescapeDataString(address.AbsolutePath.TrimStart('/'));
        if (ServiceKeys.ValidateServiceName(service) is { } problem)
        {
            throw new InvalidOperationException($"The address '{address}' names no valid service: the service name {problem}.");
        }

        return service;
    }

    public override Resolver Create(ResolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = ServiceOf(options.Address);
        var transport = ClientOf(options) is { } client
            ? new InstanceTransportFilter(
                service,
                $"{EtcdClientOptions.SectionName}:{client}",
                services.GetRequiredService<IOptionsMonitor<EtcdClientOptions>>().Get(client).Tls,
                services.GetRequiredService<ILoggerFactory>().CreateLogger<InstanceTransportFilter>(),
                services.GetRequiredService<TransportMetrics>())
            : null;
        var watch = services.GetRequiredService<IServiceCatalog>().Watch(service);
        return new EtcdResolver(watch, services.GetRequiredService<ClientViewRegistry>(), services.GetRequiredService<TimeProvider>(), transport);
    }

    /// <summary>
    /// The client whose channel this is: UseEtcd() names it in the channel's load-balancing config, the only part of
    /// the channel options a resolver sees. Null for a channel set up by hand (every instance then passes).
    /// </summary>
    internal static string? ClientOf(ResolverOptions options)
    {
        foreach (var config in options.ChannelOptions.ServiceConfig?.LoadBalancingConfigs ?? [])
        {
            if (config.Inner.TryGetValue(config.PolicyName, out var inner)
                && inner is IDictionary<string, object> settings
                && settings.TryGetValue(ClientKey, out var client)
                && client is string name)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The key under which UseEtcd() names the client in its load-balancing policy's config (DiscoveryLoadBalancerFactory.ClientKey).</summary>
    internal const string ClientKey = "client";
}
