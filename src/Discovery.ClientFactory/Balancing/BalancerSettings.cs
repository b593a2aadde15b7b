using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Retry;
using Discovery.ClientFactory.Subsetting;

namespace Discovery.ClientFactory.Balancing;

/// <summary>What one channel's balancer works with: its service, filters, picker and the picker's services.</summary>
/// <param name="Service">The service name.</param>
/// <param name="Version">The client's version filter, or null.</param>
/// <param name="Zone">The client's preferred zone, or null.</param>
/// <param name="Picker">The picker.</param>
/// <param name="Services">What the picker uses.</param>
/// <param name="PolicyRetries">
/// Counts the attempts grpc-dotnet's retry policy sends again, when <see cref="DiscoveryRetryOptions.Unavailable"/> turned
/// it on; null otherwise, so a pick of the other clients costs one null check.
/// </param>
/// <param name="Subset">The client's subsetting, or null when it connects to every instance.</param>
internal sealed record BalancerSettings(
    string Service,
    string? Version,
    string? Zone,
    PickerDefinition Picker,
    PickerServices Services,
    RetryMetrics? PolicyRetries = null,
    SubsetSettings? Subset = null)
{
    public TimeSpan StartupWait => Services.Options.StartupWait;
}
