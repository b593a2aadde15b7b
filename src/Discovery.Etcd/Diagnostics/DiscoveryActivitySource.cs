using System.Diagnostics;

namespace Discovery.Etcd.Diagnostics;

/// <summary>The activity source the background operations (registration, resync, drain) start their spans on.</summary>
/// <remarks>
/// This file is compiled into each package as linked source, so each assembly holds an <see cref="ActivitySource"/>
/// of its own, all named <see cref="DiscoveryTelemetry.ActivitySourceName"/>. That is deliberate and harmless: an
/// <see cref="ActivityListener"/> (and OpenTelemetry's <c>AddSource</c>) selects sources by name, so one subscription
/// sees the spans of all three, and each source starts only its own package's spans.
/// </remarks>
internal static class DiscoveryActivitySource
{
    public static ActivitySource Instance { get; } = new(
        DiscoveryTelemetry.ActivitySourceName,
        typeof(DiscoveryActivitySource).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts a span that is the root of its own trace, tagged with the service. Background loops run for the
    /// process's life; a span inherited from whatever started the loop (the request that first resolved a service)
    /// would tie every later resync to that request's trace. It clears <see cref="Activity.Current"/> of the calling
    /// flow, so call it from an async method of a background operation, whose changes do not reach its caller.
    /// </summary>
    public static Activity? StartRoot(string name, string service)
    {
        Activity.Current = null;
        return Instance.StartActivity(name, ActivityKind.Internal)?.SetTag(DiscoveryMeter.ServiceAttribute, service);
    }

    /// <summary>Ends <paramref name="activity"/> as failed, with <paramref name="description"/> (never a secret).</summary>
    public static void Fail(this Activity? activity, string description) =>
        activity?.SetStatus(ActivityStatusCode.Error, description);
}
