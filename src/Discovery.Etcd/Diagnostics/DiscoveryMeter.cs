namespace Discovery.Etcd.Diagnostics;

/// <summary>The name and version of the <see cref="System.Diagnostics.Metrics.Meter"/> every Discovery counter is on.</summary>
internal static class DiscoveryMeter
{
    /// <summary>Subscribe to this meter name (for example with OpenTelemetry's <c>AddMeter("Discovery")</c>).</summary>
    public const string Name = "Discovery";
}
