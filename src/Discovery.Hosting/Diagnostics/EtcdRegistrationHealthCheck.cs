using Discovery.Hosting.Leasing;
using Discovery.Hosting.Registration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Discovery.Hosting.Diagnostics;

/// <summary>
/// Reports the registration: Healthy when registered (or when there is nothing to register), Degraded while
/// retrying (etcd away, lease still within its TTL, or the first registration pending) and while the records are
/// withdrawn on purpose (the health gate waits or is closed), the failure status when the records are or may be
/// gone and re-registration is under way, and once they were deleted at shutdown (so a readiness probe, and the
/// gRPC health service's <c>Check</c>, say NOT_SERVING through the drain delay).
/// </summary>
internal sealed class EtcdRegistrationHealthCheck : IHealthCheck
{
    private readonly EtcdRegistrationService _service;

    public EtcdRegistrationHealthCheck(EtcdRegistrationService service) => _service = service;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var snapshot = _service.Snapshot;
        var data = new Dictionary<string, object>
        {
            ["phase"] = snapshot.Phase.ToString(),
            ["addresses"] = string.Join(",", snapshot.Addresses),
        };
        if (snapshot.Keeper is { } keeper)
        {
            data["state"] = keeper.State.ToString();
            data["lease"] = keeper.LeaseId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
            if (keeper.LastConfirmedAt is { } confirmed)
            {
                data["lastConfirmedAt"] = confirmed;
            }
        }

        if (snapshot.Withdrawal != WithdrawalReasons.None)
        {
            data["withdrawn"] = snapshot.Withdrawal.ToString();
        }

        if (snapshot.HealthGate is { } gate)
        {
            data["healthGate"] = gate.Phase.ToString();
            data["healthGateTag"] = gate.Tag;
            if (gate.Failing.Length > 0)
            {
                data["healthGateFailing"] = gate.Failing;
            }
        }

        var result = snapshot.Phase switch
        {
            RegistrationPhase.Disabled => HealthCheckResult.Healthy("etcd registration is disabled", data),
            RegistrationPhase.NoAddresses => HealthCheckResult.Healthy("no bound address to register", data),
            RegistrationPhase.NotStarted => HealthCheckResult.Degraded("not registered yet: the host has not started", data: data),
            RegistrationPhase.Stopped => new HealthCheckResult(context.Registration.FailureStatus, "deregistered: the host is stopping", data: data),
            _ => snapshot.Keeper?.State switch
            {
                LeaseKeeperState.Registered => HealthCheckResult.Healthy("registered", data),
                LeaseKeeperState.Withdrawn => HealthCheckResult.Degraded(Withdrawn(snapshot), data: data),
                LeaseKeeperState.Starting or LeaseKeeperState.Retrying =>
                    HealthCheckResult.Degraded($"retrying: {snapshot.Keeper.Problem ?? "registering"}", data: data),
                _ => new HealthCheckResult(context.Registration.FailureStatus, $"lost: {snapshot.Keeper?.Problem ?? "re-registering"}", data: data),
            },
        };
        return Task.FromResult(result);
    }

    private static string Withdrawn(RegistrationSnapshot snapshot) => snapshot.HealthGate switch
    {
        { Phase: HealthGatePhase.Waiting } gate => $"not registered yet: waiting for the health checks tagged '{gate.Tag}' to pass (lease held)",
        { Phase: HealthGatePhase.Closed } gate =>
            $"withdrawn: the health checks tagged '{gate.Tag}' fail{(gate.Failing.Length > 0 ? $" ({gate.Failing})" : "")}; the records return after they pass again (lease held)",
        _ => $"withdrawn ({snapshot.Withdrawal}); lease held",
    };
}
