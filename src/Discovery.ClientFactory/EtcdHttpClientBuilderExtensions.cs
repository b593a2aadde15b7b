using Discovery.ClientFactory;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Configuration;
using Discovery.ClientFactory.Diagnostics;
using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Resolving;
using Discovery.ClientFactory.Retry;
using Discovery.ClientFactory.Routing;
using Discovery.ClientFactory.Tls;
using Discovery.Etcd.Retry;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Points a gRPC client from <c>AddGrpcClient&lt;T&gt;()</c> at a service registered in etcd.</summary>
public static class EtcdHttpClientBuilderExtensions
{
    /// <summary>
    /// Sends the client's calls to the instances of a service registered in etcd, balanced by the configured picker.
    /// Options bind from <c>Discovery:Clients:{client name}</c> (service, picker, version, zone) and etcd is reached
    /// through <c>Discovery:Etcd</c>; both are validated at start-up.
    /// </summary>
    /// <param name="builder">The builder <c>AddGrpcClient&lt;T&gt;()</c> returned.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddGrpcClient&lt;Echo.EchoClient&gt;().UseEtcd();
    /// // appsettings.json: "Discovery": { "Etcd": { "Endpoints": [ "http://127.0.0.1:2379" ] },
    /// //                                 "Clients": { "EchoClient": { "Service": "echo", "Picker": "p2c" } } }
    /// </code>
    /// </example>
    public static IHttpClientBuilder UseEtcd(this IHttpClientBuilder builder) => UseEtcdCore(builder, null, null);

    /// <summary>Sends the client's calls to the instances of <paramref name="service"/> registered in etcd.</summary>
    /// <param name="builder">The builder <c>AddGrpcClient&lt;T&gt;()</c> returned.</param>
    /// <param name="service">The service name the servers register under; wins over configuration.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHttpClientBuilder UseEtcd(this IHttpClientBuilder builder, string service)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        return UseEtcdCore(builder, service, null);
    }

    /// <summary>Sends the client's calls to a service registered in etcd, with options adjusted in code.</summary>
    /// <param name="builder">The builder <c>AddGrpcClient&lt;T&gt;()</c> returned.</param>
    /// <param name="configure">Adjusts the options after configuration is bound.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHttpClientBuilder UseEtcd(this IHttpClientBuilder builder, Action<EtcdClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return UseEtcdCore(builder, null, configure);
    }

    /// <summary>Sends the client's calls to the instances of <paramref name="service"/>, with options adjusted in code.</summary>
    /// <param name="builder">The builder <c>AddGrpcClient&lt;T&gt;()</c> returned.</param>
    /// <param name="service">The service name the servers register under; wins over configuration.</param>
    /// <param name="configure">Adjusts the options after configuration is bound.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHttpClientBuilder UseEtcd(this IHttpClientBuilder builder, string service, Action<EtcdClientOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentNullException.ThrowIfNull(configure);
        return UseEtcdCore(builder, service, configure);
    }

    private static IHttpClientBuilder UseEtcdCore(IHttpClientBuilder builder, string? service, Action<EtcdClientOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var name = builder.Name;
        services.AddEtcdClientServices();
        services.AddSingleton(new EtcdClientRegistration(name));

        services.AddOptions<EtcdClientOptions>(name)
            .BindConfiguration($"{EtcdClientOptions.SectionName}:{name}")
            .Configure(options =>
            {
                if (service is not null)
                {
                    options.Service = service;
                }

                configure?.Invoke(options);
            })
            .ValidateOnStart();

        services.AddOptions<GrpcClientFactoryOptions>(name)
            .Configure<IOptionsMonitor<EtcdClientOptions>>((factoryOptions, monitor) =>
            {
                var clientOptions = monitor.Get(name);
                factoryOptions.Address = EtcdResolverFactory.AddressOf(clientOptions.Service ?? "unset");
            });

        builder.ConfigureChannel((provider, channel) =>
        {
            var clientOptions = provider.GetRequiredService<IOptionsMonitor<EtcdClientOptions>>().Get(name);
            var policy = new LoadBalancingConfig(DiscoveryPickers.PolicyName(clientOptions.Picker));
            ((IDictionary<string, object>)policy.Inner[policy.PolicyName])[DiscoveryLoadBalancerFactory.ClientKey] = name;
            channel.ServiceConfig ??= new ServiceConfig();
            channel.ServiceConfig.LoadBalancingConfigs.Clear();
            channel.ServiceConfig.LoadBalancingConfigs.Add(policy);
            RetryServiceConfig.Apply(channel.ServiceConfig, clientOptions.Retry);
            // The etcd scheme says nothing about TLS: the client's Tls options do (an app's own credentials, such as
            // TLS plus call credentials, are kept). A channel is TLS or plaintext as a whole.
            channel.Credentials ??= clientOptions.Tls.Enabled ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        });

        // The CA, client certificate and certificate checks of the TLS connections, on the handler grpc-dotnet's
        // client factory made (its action runs first). The name checked per instance is its HostOverride attribute.
        services.AddOptions<HttpClientFactoryOptions>(name)
            .Configure<IOptionsMonitor<EtcdClientOptions>>((factoryOptions, monitor) => factoryOptions.HttpMessageHandlerBuilderActions.Add(handlerBuilder =>
            {
                var tls = monitor.Get(name).Tls;
                if (tls.Enabled && handlerBuilder.PrimaryHandler is SocketsHttpHandler sockets)
                {
                    sockets.SslOptions = InstanceTlsSetup.Create(tls, $"{EtcdClientOptions.SectionName}:{name}:Tls", out _);
                }
            }));

        // One interceptor layer: the retry runs the routing interceptor around each attempt, so each retried attempt is
        // routed anew, and the call pays for one layer of Grpc.Net.ClientFactory's interceptor chain instead of two.
        builder.AddInterceptor(provider =>
        {
            var clientOptions = provider.GetRequiredService<IOptionsMonitor<EtcdClientOptions>>().Get(name);
            var tracksLoad = provider.GetRequiredService<PickerRegistry>().Get(clientOptions.Picker).TracksLoad;
            return new NeverReachedRetryInterceptor(
                clientOptions.Retry,
                provider.GetRequiredService<TimeProvider>(),
                SharedJitterSource.Instance,
                provider.GetRequiredService<RetryMetrics>(),
                clientOptions.Service!,
                new RoutingInterceptor(tracksLoad));
        });

        return builder;
    }

    /// <summary>The process-wide part, registered once however many clients use etcd.</summary>
    internal static IServiceCollection AddEtcdClientServices(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(PickerRegistry)))
        {
            return services;
        }

        services.AddDiscoveryEtcd();
        services.AddSingleton<PickerRegistry>();
        services.TryAddSingleton<IRandomSource>(SharedRandomSource.Instance);
        services.AddSingleton(provider => new BalancerDependencies(
            provider.GetRequiredService<PickerRegistry>(),
            provider.GetRequiredService<IOptionsMonitor<EtcdClientOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IRandomSource>(),
            provider.GetRequiredService<Logging.ILoggerFactory>(),
            provider.GetRequiredService<SubchannelMetrics>(),
            provider.GetRequiredService<EjectionMetrics>(),
            provider.GetRequiredService<RetryMetrics>()));
        services.TryAddSingleton<SubchannelMetrics>();
        services.TryAddSingleton<EjectionMetrics>();
        services.TryAddSingleton<RetryMetrics>();
        services.TryAddSingleton<TransportMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdClientOptions>, EtcdClientOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdClientOptions>, RetryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ResolverFactory, EtcdResolverFactory>());
        foreach (var picker in DiscoveryPickers.BuiltIn)
        {
            services.AddSingleton<LoadBalancerFactory>(provider => new DiscoveryLoadBalancerFactory(picker, provider.GetRequiredService<BalancerDependencies>()));
        }

        services.TryAddSingleton<ClientViewRegistry>();

        // No health check here: one added behind the application's back, without tags, lands in every probe that maps
        // all checks, liveness included. AddHealthChecks().AddEtcdClientsCheck() adds it, by choice.
        return services;
    }
}
