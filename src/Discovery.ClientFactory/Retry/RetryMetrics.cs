using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.ClientFactory.Retry;

/// <summary>
/// <c>discovery.client.retries</c>: attempts a client sent again, per service and reason (<see cref="ReasonAttribute"/>):
/// <c>never_reached</c> for the <see cref="DiscoveryRetryOptions.NeverReached"/> retry, <c>unavailable</c> for
/// grpc-dotnet's retry policy that <see cref="DiscoveryRetryOptions.Unavailable"/> turns on.
/// </summary>
internal sealed class RetryMetrics
{
    public const string RetriesName = "discovery.client.retries";

    public const string ReasonAttribute = "discovery.client.retry.reason";

    public const string NeverReached = "never_reached";

    public const string Unavailable = "unavailable";

    private readonly Counter<long> _retries;

    public RetryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _retries = meterFactory.Create(DiscoveryMeter.Name).CreateCounter<long>(
            RetriesName, "{retry}", "Call attempts a client sent again after a failed one, by reason.");
    }

    /// <param name="service">The service.</param>
    /// <param name="reason"><see cref="NeverReached"/> or <see cref="Unavailable"/>.</param>
    public void Retried(string service, string reason) =>
        _retries.Add(1, new(DiscoveryMeter.ServiceAttribute, service), new(ReasonAttribute, reason));
}
