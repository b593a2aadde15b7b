using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Balancing;

/// <summary>What one channel's balancer works with: its service, filters, picker and the picker's services.</summary>
/// <param name="Service">The service name.</param>
/// <param name="Version">The client's version filter, or null.</param>
/// <param name="Zone">The client's preferred zone, or null.</param>
/// <param name="Picker">The picker.</param>
/// <param name="Services">What the picker uses.</param>
internal sealed record BalancerSettings(string Service, string? Version, string? Zone, PickerDefinition Picker, PickerServices Services)
{
    public TimeSpan StartupWait => Services.Options.StartupWait;
}
