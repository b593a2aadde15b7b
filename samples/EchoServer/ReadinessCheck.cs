using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EchoServer;

/// <summary>
/// The sample's readiness: Unhealthy for <see cref="EchoOptions.ReadyAfter"/> after the process started (a warming cache, say), and
/// while the file <see cref="EchoOptions.UnhealthyFile"/> exists (so a test or an operator can turn it Unhealthy and
/// back with <c>touch</c> and <c>rm</c>). Healthy otherwise.
/// </summary>
internal sealed class ReadinessCheck(IOptions<EchoOptions> options, TimeProvider time) : IHealthCheck
{
    // From the process start, not from this object: AddCheck<T> makes a new instance for every run.
    private static readonly DateTimeOffset s_processStarted = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var echo = options.Value;
        var elapsed = time.GetUtcNow() - s_processStarted;
        if (elapsed < echo.ReadyAfter)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"warming up: ready {echo.ReadyAfter.TotalSeconds:0.#} s after start"));
        }

        if (echo.UnhealthyFile is { Length: > 0 } file && File.Exists(file))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"{file} exists"));
        }

        return Task.FromResult(HealthCheckResult.Healthy("ready"));
    }
}
