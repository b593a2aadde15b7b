using Discovery.Etcd.Connection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Discovery.Etcd.DependencyInjection;

/// <summary>The etcd plumbing both Discovery packages register: options, their validation, shared connections.</summary>
internal static class EtcdServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="EtcdOptions"/> from <c>Discovery:Etcd</c>, validates them at start-up, and registers the
    /// shared connection provider. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddDiscoveryEtcd(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(EtcdConnectionProvider)))
        {
            return services;
        }

        services.AddOptions<EtcdOptions>().BindConfiguration(EtcdOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdOptions>, EtcdOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddLogging();
        services.TryAddSingleton<EtcdConnectionProvider>();
        services.TryAddSingleton<Watching.IServiceWatcherProvider, Watching.ServiceWatcherProvider>();
        return services;
    }
}
