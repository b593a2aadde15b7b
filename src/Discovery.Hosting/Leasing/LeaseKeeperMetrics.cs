using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.Hosting.Leasing;

/// <summary>The registration counters on the <c>Discovery</c> meter.</summary>
internal sealed class LeaseKeeperMetrics
{
    private readonly Counter<long> _renewals;
    private readonly Counter<long> _reregistrations;
    private readonly UpDownCounter<long> _withdrawn;

    public LeaseKeeperMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(DiscoveryMeter.Name);
        _renewals = meter.CreateCounter<long>(
            "discovery.registration.renewals",
            unit: "{renewal}",
            description: "Lease keep-alives etcd confirmed.");
        _reregistrations = meter.CreateCounter<long>(
            "discovery.registration.reregistrations",
            unit: "{registration}",
            description: "Times the records were written again after the first registration (new lease, or a key deleted or overwritten).");
        _withdrawn = meter.CreateUpDownCounter<long>(
            "discovery.registration.withdrawn",
            unit: "{instance}",
            description: "Registrations of this process deliberately held out of etcd (lease kept), for example by the health gate: 1 while withdrawn, else 0.");
    }

    public void Renewed(string service) => _renewals.Add(1, new KeyValuePair<string, object?>("discovery.service", service));

    public void WithdrawnChanged(string service, int delta) => _withdrawn.Add(delta, new KeyValuePair<string, object?>("discovery.service", service));

    public void Reregistered(string service) => _reregistrations.Add(1, new KeyValuePair<string, object?>("discovery.service", service));
}
