using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// The subchannels (one connection each) this process's balancers hold open, per service:
/// <c>discovery.client.subchannel.count</c>. One per live instance is the steady state; more is a leak (a subchannel
/// kept for an instance that is gone), which is what an operator and the churn scenario look for.
/// </summary>
internal sealed class SubchannelMetrics
{
    public const string CountName = "discovery.client.subchannel.count";

    private readonly UpDownCounter<long> _count;

    public SubchannelMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _count = meterFactory.Create(DiscoveryMeter.Name).CreateUpDownCounter<long>(
            CountName, "{subchannel}", "Subchannels the clients' balancers hold open.");
    }

    public void Opened(string service) => _count.Add(1, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service));

    public void Closed(string service) => _count.Add(-1, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service));
}
