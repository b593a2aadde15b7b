namespace Discovery.Etcd.Diagnostics;

/// <summary>
/// The meter every Discovery instrument is on, and the attribute names instruments and spans share. Compiled into
/// each package (linked source), so each refers to the one public name, <see cref="DiscoveryTelemetry.MeterName"/>.
/// </summary>
internal static class DiscoveryMeter
{
    /// <summary>The meter's name: <see cref="DiscoveryTelemetry.MeterName"/>.</summary>
    public const string Name = DiscoveryTelemetry.MeterName;

    /// <summary>
    /// The service an instrument or span is about, on every one of them. Service names are few and chosen by the
    /// operator, so the attribute is bounded; instance ids and addresses are never attributes (one series per
    /// instance and per restart would be unbounded).
    /// </summary>
    public const string ServiceAttribute = "discovery.service";
}
