using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Retry;
using Discovery.ClientFactory.Subsetting;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// The load-balancing policy <c>discovery_{picker}</c>. grpc-dotnet matches DI-registered factories by name before
/// its built-ins on every channel, so ours never use a built-in name: other clients of the app keep their balancing.
/// The channel's service config names the client (<see cref="ClientKey"/>), whose options give service and filters.
/// </summary>
internal sealed class DiscoveryLoadBalancerFactory(string picker, BalancerDependencies dependencies) : LoadBalancerFactory
{
    public const string ClientKey = "client";

    public override string Name { get; } = DiscoveryPickers.PolicyName(picker);

    public override LoadBalancer Create(LoadBalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Configuration.TryGetValue(ClientKey, out var value) || value is not string client)
        {
            throw new InvalidOperationException($"The load-balancing policy '{Name}' is set up by UseEtcd() only; its configuration names no client.");
        }

        var clientOptions = dependencies.Options.Get(client);
        var settings = new BalancerSettings(
            clientOptions.Service!,
            clientOptions.Version,
            clientOptions.Zone,
            dependencies.Pickers.Get(picker),
            new PickerServices(dependencies.Time, dependencies.Random, clientOptions, new RoundRobinCursor(dependencies.Random.Next(int.MaxValue))),
            clientOptions.Retry.Unavailable ? dependencies.Retries : null,
            SubsetSettings.Of(clientOptions));
        return new DiscoveryLoadBalancer(
            options.Controller, settings, dependencies.LoggerFactory.CreateLogger<DiscoveryLoadBalancer>(), dependencies.Subchannels, dependencies.Ejections);
    }
}

/// <summary>The singletons every balancer uses.</summary>
internal sealed record BalancerDependencies(
    PickerRegistry Pickers,
    IOptionsMonitor<EtcdClientOptions> Options,
    TimeProvider Time,
    IRandomSource Random,
    ILoggerFactory LoggerFactory,
    SubchannelMetrics Subchannels,
    EjectionMetrics Ejections,
    RetryMetrics Retries);
