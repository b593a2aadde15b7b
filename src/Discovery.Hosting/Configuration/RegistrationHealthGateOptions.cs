namespace Discovery.Hosting;

/// <summary>
/// Health-gated registration, bound from <c>Discovery:Registration:HealthGate</c>: the instance's records are in etcd
/// only while the application's health checks tagged <see cref="Tag"/> pass. Off by default.
/// </summary>
/// <remarks>
/// The checks run on ASP.NET Core's health check publisher (the tagged checks get <see cref="Period"/> as their
/// publishing period unless they set their own), never on a loop of ours. A report passes when none of the tagged
/// checks is Unhealthy (Degraded passes, as in a readiness probe). The first passing report registers; after
/// <see cref="UnhealthyThreshold"/> failing reports in a row the records are deleted from etcd while the lease,
/// the connections and the process stay; after <see cref="HealthyThreshold"/> passing reports in a row they are
/// written again.
/// </remarks>
/// <example>
/// <code>
/// "Registration": {
///   "ServiceName": "echo",
///   "HealthGate": { "Enabled": true, "Tag": "ready", "Period": "00:00:02", "UnhealthyThreshold": 3, "HealthyThreshold": 2 }
/// }
/// </code>
/// </example>
public sealed class RegistrationHealthGateOptions
{
    /// <summary>True to register only while the tagged health checks pass. Default: false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The tag of the health checks that decide (<c>AddCheck(..., tags: ["ready"])</c>); at least one check must carry
    /// it. The registration's own check is never counted. Default: <c>ready</c>.
    /// </summary>
    public string Tag { get; set; } = "ready";

    /// <summary>
    /// How often the tagged checks run and are reported, at least 1 s; a tagged check that sets its own
    /// <c>HealthCheckRegistration.Period</c> keeps it. Default: 5 s.
    /// </summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many failing reports in a row withdraw the records (1 to 100): they leave etcd within about
    /// <c>UnhealthyThreshold × Period</c> of the checks turning Unhealthy. Default: 3.
    /// </summary>
    public int UnhealthyThreshold { get; set; } = 3;

    /// <summary>How many passing reports in a row put withdrawn records back (1 to 100). Default: 2.</summary>
    public int HealthyThreshold { get; set; } = 2;
}
