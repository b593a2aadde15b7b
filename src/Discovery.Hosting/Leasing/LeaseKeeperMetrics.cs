using System.Diagnostics.Metrics;
using Discovery.Etcd.Diagnostics;

namespace Discovery.Hosting.Leasing;

/// <summary>
/// The registration's instruments on the <c>Discovery</c> meter: counters of renewals and re-registrations, and the
/// registration's state. Every measurement carries <see cref="DiscoveryMeter.ServiceAttribute"/>; re-registrations
/// also their reason.
/// </summary>
internal sealed class LeaseKeeperMetrics
{
    public const string RenewalsName = "discovery.registration.renewals";
    public const string ReregistrationsName = "discovery.registration.reregistrations";
    public const string StateName = "discovery.registration.state";
    public const string ControlSkippedName = "discovery.registration.control.skipped_records";

    /// <summary>The state a <see cref="StateName"/> measurement is about; one of <see cref="States"/>.</summary>
    public const string StateAttribute = "discovery.registration.state";

    /// <summary>
    /// Every state, reported at each collection (1 for the current one, 0 for the others) as OpenTelemetry's state
    /// metrics do (<c>k8s.container.status.state</c>), so a dashboard sums or graphs each state without gaps and a
    /// state left shows 0 at once rather than its last value.
    /// </summary>
    public static readonly IReadOnlyList<string> States =
    [
        "starting",     // the first grant and write are under way
        "registered",   // the records are in etcd under a lease etcd confirmed within the TTL
        "retrying",     // etcd does not answer, but the lease was confirmed within the TTL
        "lost",         // the records are or may be gone; registering again
        "withdrawn",    // the lease is kept but the records are held out of etcd on purpose (the health gate)
        "paused",       // the control record asks paused: records out of etcd, lease kept, calls in flight served
        "draining",     // the control record asks draining: paused, with gRPC calls still in flight
        "drained",      // draining, and the in-flight gRPC calls reached zero
        "deregistered", // the host is stopping: the lease was revoked
    ];

    private readonly Counter<long> _renewals;
    private readonly Counter<long> _reregistrations;
    private readonly Counter<long> _controlSkipped;
    private volatile Func<(string Service, string State)?>? _state;

    public LeaseKeeperMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(DiscoveryMeter.Name);
        _renewals = meter.CreateCounter<long>(
            RenewalsName,
            unit: "{renewal}",
            description: "Lease keep-alives etcd confirmed.");
        _reregistrations = meter.CreateCounter<long>(
            ReregistrationsName,
            unit: "{registration}",
            description: "Times the records were written again after the first registration (new lease, or a key deleted or overwritten).");
        _controlSkipped = meter.CreateCounter<long>(
            ControlSkippedName,
            unit: "{record}",
            description: "Values of the instance's control record that could not be read (the last good one stays in force).");
        meter.CreateObservableUpDownCounter(
            StateName,
            ObserveState,
            unit: "{registration}",
            description: "The registration's state: 1 for the current state, 0 for every other.");
    }

    public void Renewed(string service) => _renewals.Add(1, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service));

    /// <param name="service">The service.</param>
    /// <param name="reason"><c>lease_lost</c> or <c>records_changed</c> (<see cref="LeaseKeeper.ReasonAttribute"/>).</param>
    public void Reregistered(string service, string reason) => _reregistrations.Add(
        1, new(DiscoveryMeter.ServiceAttribute, service), new(LeaseKeeper.ReasonAttribute, reason));

    public void ControlRecordSkipped(string service) =>
        _controlSkipped.Add(1, new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, service));

    /// <summary>
    /// Reports the registration's state, read from <paramref name="state"/> at each collection (null: nothing to
    /// report, as before the host started or with registration disabled). One registration per container.
    /// </summary>
    public void ObserveStateOf(Func<(string Service, string State)?> state) => _state = state;

    private IEnumerable<Measurement<int>> ObserveState()
    {
        if (_state?.Invoke() is not { } current)
        {
            yield break;
        }

        foreach (var state in States)
        {
            yield return new Measurement<int>(
                state == current.State ? 1 : 0,
                new KeyValuePair<string, object?>(DiscoveryMeter.ServiceAttribute, current.Service),
                new KeyValuePair<string, object?>(StateAttribute, state));
        }
    }
}
