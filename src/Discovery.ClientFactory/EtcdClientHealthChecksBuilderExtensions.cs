using Discovery.ClientFactory;
using Discovery.ClientFactory.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health check of the <c>UseEtcd()</c> clients' views.</summary>
public static class EtcdClientHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check reporting every <c>UseEtcd()</c> client's view of its service: Healthy while current, Degraded
    /// when older than <see cref="EtcdClientOptions.StaleViewThreshold"/> (etcd away, the last known instances still
    /// served), <paramref name="failureStatus"/> while a client has had no view at all since it started (its calls
    /// fail fast). An etcd outage alone, with a last known view, is never worse than Degraded. It belongs to the
    /// readiness probe, never to liveness: restarting the process does not bring etcd back. Needs <c>UseEtcd()</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Default: <c>discovery-etcd-clients</c>.</param>
    /// <param name="failureStatus">The status while a client has never had a view. Default: Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddGrpcClient&lt;Echo.EchoClient&gt;().UseEtcd("echo");
    /// builder.Services.AddHealthChecks().AddEtcdClientsCheck(tags: ["ready"]);
    /// </code>
    /// </example>
    public static IHealthChecksBuilder AddEtcdClientsCheck(
        this IHealthChecksBuilder builder,
        string name = "discovery-etcd-clients",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => new EtcdClientHealthCheck(
                sp.GetRequiredService<ClientViewRegistry>(),
                sp.GetRequiredService<IOptionsMonitor<EtcdClientOptions>>(),
                sp.GetServices<EtcdClientRegistration>()),
            failureStatus,
            tags));
    }
}
