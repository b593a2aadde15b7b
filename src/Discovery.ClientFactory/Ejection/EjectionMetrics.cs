using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// <c>discovery.client.ejections</c>: instances ejected after a transport failure, per service. Which instance is not
/// an attribute (instance ids and addresses are unbounded); the log line of each ejection names it.
/// </summary>
internal sealed class EjectionMetrics
{
    public const string EjectionsName = "discovery.client.ejections";

    private readonly Counter<long> _ejections;

    public EjectionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _ejections = meterFactory.Create(DiscoveryMeter.Name).CreateCounter<long>(
            EjectionsName, "{ejection}", "Times a client ejected an instance after a call to it failed in transport.");
    }

    public void Ejected(string service) => _ejections.Add(1, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service));
}
