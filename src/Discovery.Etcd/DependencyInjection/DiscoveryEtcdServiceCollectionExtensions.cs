using Discovery.Etcd;
using Discovery.Etcd.Watching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Discovery's etcd connection and its read API, <see cref="IServiceCatalog"/>.</summary>
public static class DiscoveryEtcdServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="EtcdOptions"/> from the <c>Discovery:Etcd</c> configuration section, validates them at
    /// start-up (an error names the key), and registers <see cref="IServiceCatalog"/>. <c>AddEtcdRegistration()</c>
    /// and <c>UseEtcd()</c> call it; calling it again adds nothing.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddDiscoveryEtcd(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // A second call neither binds twice nor registers a second validator.
        if (services.Any(d => d.ServiceType == typeof(ServiceWatcherProvider)))
        {
            return services;
        }

        // Bound from IConfiguration when the container has one (a host does), so a bare ServiceCollection configured
        // in code works too.
        services.AddOptions<EtcdOptions>()
            .Configure<IServiceProvider>(static (options, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(EtcdOptions.SectionName).Bind(options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdOptions>, EtcdOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddLogging();
        services.AddSingleton<ServiceWatcherProvider>();
        services.TryAddSingleton<IServiceCatalog>(sp => sp.GetRequiredService<ServiceWatcherProvider>());
        return services;
    }

    /// <summary>
    /// As <see cref="AddDiscoveryEtcd(IServiceCollection)"/>, then applies <paramref name="configure"/> to the options
    /// bound from configuration: code wins over <c>appsettings.json</c>, and the result is validated the same way.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options in code, such as <c>o =&gt; o.Endpoints.Add("http://127.0.0.1:2379")</c>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddDiscoveryEtcd(this IServiceCollection services, Action<EtcdOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddDiscoveryEtcd();
        services.Configure(configure);
        return services;
    }
}
