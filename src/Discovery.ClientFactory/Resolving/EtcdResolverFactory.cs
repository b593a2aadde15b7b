using Discovery.ClientFactory.Diagnostics;
using Discovery.Etcd;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Resolving;

/// <summary>
/// Resolves <c>etcd:///{service}</c> addresses. Every channel gets its own resolver, but all resolvers of one
/// service share one watcher (and so one etcd watch) through <see cref="IServiceWatcherProvider"/>.
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
        var etcdOptions = services.GetRequiredService<IOptions<EtcdOptions>>().Value;
        var reference = services.GetRequiredService<IServiceWatcherProvider>().Watch(etcdOptions, service);
        return new EtcdResolver(reference, services.GetRequiredService<ClientViewRegistry>(), services.GetRequiredService<TimeProvider>());
    }
}
