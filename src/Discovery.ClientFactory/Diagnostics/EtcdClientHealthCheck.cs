using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Diagnostics;

/// <summary>
/// Reports each <c>UseEtcd()</c> client's view of its service: the registration's failure status while a client has
/// had no view at all since it started (its calls fail fast), Degraded when the view is older than the client's
/// <see cref="EtcdClientOptions.StaleViewThreshold"/> (etcd away, the last known instances served), Healthy otherwise.
/// An etcd outage alone, with a last known view, is therefore never worse than Degraded. A client whose channel is
/// not created yet is not judged.
/// </summary>
internal sealed class EtcdClientHealthCheck(
    ClientViewRegistry registry,
    IOptionsMonitor<EtcdClientOptions> options,
    IEnumerable<EtcdClientRegistration> clients) : IHealthCheck
{

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = registry.Now;
        var status = HealthStatus.Healthy;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var client in clients.DistinctBy(c => c.Name))
        {
            var clientOptions = options.Get(client.Name);
            if (clientOptions.Service is not { } service || registry.ViewOf(service) is not { } view)
            {
                continue;
            }

            if (!view.IsSynced)
            {
                status = Worse(status, context.Registration.FailureStatus);
                problems.Add($"{client.Name}: no view of service '{service}' yet ({view.Problem ?? "etcd has not answered"})");
                data[client.Name] = "not synced";
                continue;
            }

            var age = view.AgeAt(now);
            data[client.Name] = age;
            if (age > clientOptions.StaleViewThreshold)
            {
                status = Worse(status, HealthStatus.Degraded);
                problems.Add($"{client.Name}: the view of service '{service}' is {age.TotalSeconds:F0} s old ({view.Problem ?? "etcd has not confirmed it"})");
            }
        }

        var description = problems.Count == 0 ? "Every client's view of its service is current." : string.Join("; ", problems);
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }

    // HealthStatus orders Unhealthy < Degraded < Healthy.
    private static HealthStatus Worse(HealthStatus a, HealthStatus b) => a < b ? a : b;
}
