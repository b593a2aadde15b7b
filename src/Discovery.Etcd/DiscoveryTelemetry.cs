namespace Discovery.Etcd;

/// <summary>
/// The names under which Discovery publishes its telemetry: one <see cref="System.Diagnostics.Metrics.Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/> for all three packages (Discovery.Etcd, Discovery.Hosting and
/// Discovery.ClientFactory), so an application subscribes with one line per signal. The instruments are named
/// <c>discovery.registration.*</c>, <c>discovery.watch.*</c> and <c>discovery.client.*</c>, and the spans
/// <c>discovery.registration.*</c> and <c>discovery.watch.*</c>; every one carries the service it is about as
/// <c>discovery.service</c>.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddOpenTelemetry()
///     .WithMetrics(m =&gt; m.AddMeter(DiscoveryTelemetry.MeterName))
///     .WithTracing(t =&gt; t.AddSource(DiscoveryTelemetry.ActivitySourceName));
/// </code>
/// </example>
public static class DiscoveryTelemetry
{
    /// <summary>The name of the meter every Discovery instrument is created on.</summary>
    public const string MeterName = "Discovery";

    /// <summary>The name of the activity source every Discovery span is started on.</summary>
    public const string ActivitySourceName = "Discovery";
}
