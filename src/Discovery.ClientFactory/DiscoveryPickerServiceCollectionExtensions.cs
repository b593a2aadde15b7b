using Discovery.ClientFactory;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Picking;
using Grpc.Net.Client.Balancer;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds pickers of your own to the clients set up with <c>UseEtcd()</c>.</summary>
public static class DiscoveryPickerServiceCollectionExtensions
{
    /// <summary>
    /// Adds a picker that clients choose with <c>Picker: "{name}"</c>. The factory is called with the ready instances
    /// that passed the client's version and zone filters (and again whenever they change); each subchannel's
    /// <c>CurrentAddress.Attributes</c> carries the instance's metadata under the <see cref="DiscoveryPickers"/> attribute
    /// keys. Pinned calls bypass it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The picker name; not a built-in one.</param>
    /// <param name="factory">Builds a picker over a non-empty list of ready subchannels.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// services.AddDiscoveryPicker("first_ready", ready =&gt; new FirstReadyPicker(ready));
    /// services.AddGrpcClient&lt;Echo.EchoClient&gt;().UseEtcd(o =&gt; o.Picker = "first_ready");
    /// </code>
    /// </example>
    public static IServiceCollection AddDiscoveryPicker(
        this IServiceCollection services, string name, Func<IReadOnlyList<Subchannel>, SubchannelPicker> factory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (DiscoveryPickers.BuiltIn.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{name}' is a built-in picker name.", nameof(name));
        }

        services.AddEtcdClientServices();
        services.AddSingleton(PickerDefinition.ForCustom(name, factory));
        services.AddSingleton<LoadBalancerFactory>(provider => new DiscoveryLoadBalancerFactory(name, provider.GetRequiredService<BalancerDependencies>()));
        return services;
    }
}
