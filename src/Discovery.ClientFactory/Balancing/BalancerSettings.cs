using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Retry;

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
internal sealed record BalancerSettings(
    string Service, string? Version, string? Zone, PickerDefinition Picker, PickerServices Services, RetryMetrics? PolicyRetries = null)
{
    public TimeSpan StartupWait => Services.Options.StartupWait;
}
