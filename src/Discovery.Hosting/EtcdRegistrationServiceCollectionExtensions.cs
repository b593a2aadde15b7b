using Discovery.Hosting.Leasing;
using Discovery.Hosting;
using Discovery.Hosting.Configuration;
using Discovery.Hosting.Registration;
using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers this ASP.NET Core server in etcd.</summary>
public static class EtcdRegistrationServiceCollectionExtensions
{
    /// <summary>
    /// Registers every bound Kestrel address in etcd under one lease once the server has started, keeps the records
    /// there through etcd outages, restarts and data loss, and at shutdown revokes the lease and keeps serving for
    /// <see cref="EtcdRegistrationOptions.DrainDelay"/> before Kestrel stops. Options bind from
    /// <c>Discovery:Registration</c> and <c>Discovery:Etcd</c> and are validated at start-up. Start-up never waits
    /// for etcd. Add <c>AddHealthChecks().AddEtcdRegistrationCheck()</c> for a health check.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection.</returns>
    /// <example>
    /// <code>
    /// var builder = WebApplication.CreateBuilder(args);
    /// builder.Services.AddGrpc();
    /// builder.Services.AddEtcdRegistration();
    /// builder.Services.AddHealthChecks().AddEtcdRegistrationCheck();
    /// </code>
    /// </example>
    public static IServiceCollection AddEtcdRegistration(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddDiscoveryEtcd();
        services.AddOptions<EtcdRegistrationOptions>().BindConfiguration(EtcdRegistrationOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<EtcdRegistrationOptions>, EtcdRegistrationOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdRegistrationOptions>, EtcdRegistrationOptionsValidator>());
        services.TryAddSingleton<LeaseKeeperMetrics>();
        services.TryAddSingleton<EtcdRegistrationService>();

        // Pause, drain and weight at run time: the control record's coordinator, public as IEtcdRegistration, and the
        // in-flight gRPC call count a drain waits on.
        services.TryAddSingleton<InFlightCalls>();
        services.TryAddSingleton<InFlightCallsInterceptor>();
        services.TryAddSingleton<RegistrationControl>();
        services.TryAddSingleton<IEtcdRegistration>(static sp => sp.GetRequiredService<RegistrationControl>());

        // The gRPC health service, when the application maps it, follows the stop: NOT_SERVING after the revoke,
        // Watch calls completed after the drain delay (not at ApplicationStopping, which SIGTERM fires first).
        services.TryAddSingleton<GrpcHealthLifecycle>();
        services.TryAddSingleton<HealthWatchInterceptor>();
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<GrpcServiceOptions>) && d.ImplementationInstance is HealthWatchInterceptorSetup))
        {
            services.AddSingleton<IConfigureOptions<GrpcServiceOptions>>(HealthWatchInterceptorSetup.Instance);
            services.AddSingleton<IConfigureOptions<GrpcServiceOptions>>(InFlightCallsInterceptorSetup.Instance);
            services.PostConfigure<GrpcHealthChecksOptions>(static o => o.SuppressCompletionOnShutdown = true);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EtcdRegistrationService>(
            static sp => sp.GetRequiredService<EtcdRegistrationService>()));
        return services;
    }

    /// <summary>
    /// Like <see cref="AddEtcdRegistration(IServiceCollection)"/>, then applies <paramref name="configure"/> on top of
    /// the bound configuration.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options in code.</param>
    /// <returns>The service collection.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddEtcdRegistration(o =>
    /// {
    ///     o.ServiceName = "echo";
    ///     o.Version = "v2";
    ///     o.Metadata["canary"] = "true";
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddEtcdRegistration(this IServiceCollection services, Action<EtcdRegistrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddEtcdRegistration();
        services.Configure(configure);
        return services;
    }
}
