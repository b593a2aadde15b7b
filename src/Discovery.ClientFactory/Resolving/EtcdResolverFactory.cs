using Discovery.ClientFactory.Diagnostics;
using Discovery.Etcd;
using Discovery.Etcd.Records;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;

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
        var watch = services.GetRequiredService<IServiceCatalog>().Watch(service);
        return new EtcdResolver(watch, services.GetRequiredService<ClientViewRegistry>(), services.GetRequiredService<TimeProvider>());
    }
}
