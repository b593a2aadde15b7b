using Discovery.Hosting.Diagnostics;
using Discovery.Hosting.Registration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the etcd registration health check.</summary>
public static class EtcdRegistrationHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check reporting the etcd registration: Healthy when registered (or nothing to register), Degraded
    /// while retrying (etcd away but the lease within its TTL, or the first registration pending) or withdrawn by the
    /// health gate, <paramref name="failureStatus"/> when the records are gone and being written again, and once they
    /// were deleted at shutdown. Needs
    /// <see cref="EtcdRegistrationServiceCollectionExtensions.AddEtcdRegistration(IServiceCollection)"/>. It belongs to
    /// the readiness probe, never to liveness: an etcd outage must not restart the process. The health gate
    /// (<c>Discovery:Registration:HealthGate</c>) never counts it, whatever its tags.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Default: <c>etcd-registration</c>.</param>
    /// <param name="failureStatus">The status when the registration is lost. Default: Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddHealthChecks().AddEtcdRegistrationCheck(tags: ["ready"]);
    /// </code>
    /// </example>
    public static IHealthChecksBuilder AddEtcdRegistrationCheck(
        this IHealthChecksBuilder builder,
        string name = "etcd-registration",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.Configure<RegistrationCheckNames>(names => names.Names.Add(name));
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => new EtcdRegistrationHealthCheck(sp.GetRequiredService<EtcdRegistrationService>()),
            failureStatus,
            tags));
    }
}
