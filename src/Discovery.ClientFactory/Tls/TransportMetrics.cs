using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.ClientFactory.Tls;

/// <summary>
/// <c>discovery.client.refused_instances</c>: instances a client left out because their transport does not match its
/// own (an https instance for a plaintext client, a plaintext one for a TLS client, an https one with no TLS name),
/// counted each time one appears in a client's view. A mixed fleet during a migration shows here, never as a
/// silent downgrade.
/// </summary>
internal sealed class TransportMetrics
{
    public const string RefusedName = "discovery.client.refused_instances";
    public const string ReasonAttribute = "discovery.client.refusal.reason";

    private readonly Counter<long> _refused;

    public TransportMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _refused = meterFactory.Create(DiscoveryMeter.Name).CreateCounter<long>(
            RefusedName, "{instance}", "Instances a client refused because their transport (plaintext or TLS) does not match its own.");
    }

    public void Refused(string service, string reason) => _refused.Add(
        1,
        new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service),
        new KeyValuePair<string, object?>(ReasonAttribute, reason));
}
