using Discovery.Hosting.Leasing;
using Discovery.Hosting.Registration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Discovery.Hosting.Diagnostics;

/// <summary>
/// Reports the registration: Healthy when registered (or when there is nothing to register), Degraded while
/// retrying (etcd away, lease still within its TTL, or the first registration pending), Unhealthy when the records
/// are or may be gone and re-registration is under way.
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

        var result = snapshot.Phase switch
        {
            RegistrationPhase.Disabled => HealthCheckResult.Healthy("etcd registration is disabled", data),
            RegistrationPhase.NoAddresses => HealthCheckResult.Healthy("no bound address to register", data),
            RegistrationPhase.NotStarted => HealthCheckResult.Degraded("not registered yet: the host has not started", data: data),
            RegistrationPhase.Stopped => HealthCheckResult.Degraded("deregistered: the host is stopping", data: data),
            _ => snapshot.Keeper?.State switch
            {
                LeaseKeeperState.Registered => HealthCheckResult.Healthy("registered", data),
                LeaseKeeperState.Starting or LeaseKeeperState.Retrying =>
                    HealthCheckResult.Degraded($"retrying: {snapshot.Keeper.Problem ?? "registering"}", data: data),
                _ => new HealthCheckResult(context.Registration.FailureStatus, $"lost: {snapshot.Keeper?.Problem ?? "re-registering"}", data: data),
            },
        };
        return Task.FromResult(result);
    }
}
