using System.Globalization;
using Discovery.Etcd.Records;
using Discovery.Hosting.Registration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Configuration;

/// <summary>Validates <see cref="EtcdRegistrationOptions"/> at start-up; every failure names its configuration key.</summary>
internal sealed class EtcdRegistrationOptionsValidator(
    IOptions<HealthCheckServiceOptions> healthChecks,
    IOptions<HealthCheckPublisherOptions> publisher,
    IOptions<RegistrationCheckNames> ownChecks) : IValidateOptions<EtcdRegistrationOptions>
{
    private const string Section = EtcdRegistrationOptions.SectionName;
    private const string Gate = Section + ":HealthGate";

    public ValidateOptionsResult Validate(string? name, EtcdRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (ServiceKeys.ValidateServiceName(options.ServiceName) is { } serviceProblem)
        {
            failures.Add($"{Section}:ServiceName {serviceProblem}.");
        }

        // No '/': the id is the last segment of the instance's control and status keys (_discovery/control/{service}/{id}),
        // so "prod" + "echo/s1" would name the same key as "prod/echo" + "s1".
        if (!string.IsNullOrEmpty(options.InstanceId)
            && (string.IsNullOrWhiteSpace(options.InstanceId) || HasControl(options.InstanceId) || options.InstanceId.Contains('/', StringComparison.Ordinal)))
        {
            failures.Add($"{Section}:InstanceId '{options.InstanceId}' must be non-blank text without '/' or control characters (leave it unset for a unique id per process).");
        }

        CheckText(failures, "Version", options.Version);
        CheckText(failures, "Zone", options.Zone);

        if (options.Weight <= 0)
        {
            failures.Add($"{Section}:Weight {options.Weight} must be a positive integer.");
        }

        foreach (var (key, value) in options.Metadata)
        {
            if (string.IsNullOrWhiteSpace(key) || HasControl(key))
            {
                failures.Add($"{Section}:Metadata has a blank or unprintable key '{key}'.");
            }
            else if (EndpointMetadata.IsReservedKey(key))
            {
                failures.Add($"{Section}:Metadata:{key} collides with a reserved key (id, version, weight, zone): set {Section}:{ReservedProperty(key)} instead.");
            }
            else if (TransportMetadata.IsTransportKey(key))
            {
                failures.Add($"{Section}:Metadata:{key} is written by the registration itself for https endpoints: set {Section}:TlsName for the TLS name.");
            }
            else if (value is null || HasControl(value))
            {
                failures.Add($"{Section}:Metadata:{key} must be text without control characters.");
            }
        }

        if (options.LeaseTtl < TimeSpan.FromSeconds(2))
        {
            failures.Add($"{Section}:LeaseTtl {options.LeaseTtl} must be at least 2 seconds.");
        }
        else if (options.LeaseTtl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            failures.Add($"{Section}:LeaseTtl {options.LeaseTtl} must be whole seconds (etcd leases have a TTL in seconds).");
        }
        else if (options.LeaseTtl > TimeSpan.FromDays(1))
        {
            failures.Add($"{Section}:LeaseTtl {options.LeaseTtl} is over a day: a crashed server would stay registered that long.");
        }

        if (options.DrainDelay < TimeSpan.Zero || options.DrainDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Section}:DrainDelay {options.DrainDelay} must be between 0 and 5 minutes.");
        }

        if (!string.IsNullOrEmpty(options.TlsName) && !RegistrationTls.IsDnsName(options.TlsName))
        {
            failures.Add($"{Section}:TlsName '{options.TlsName}' must be a DNS name (the name a certificate carries), not an IP address, a wildcard, a URL or host:port.");
        }

        if (options.AdvertisedHost is { } host && !AdvertisedAddresses.IsValidAdvertisedHost(host))
        {
            failures.Add($"{Section}:AdvertisedHost '{host}' must be a concrete IP address or host name (not a wildcard, no scheme or port).");
        }

        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            if (!EndpointFilter.IsValidEntry(options.Endpoints[i]))
            {
                failures.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Section}:Endpoints:{i} '{options.Endpoints[i]}' must be a port (5001) or a bound URL (http://0.0.0.0:5001)."));
            }
        }

        ValidateHealthGate(failures, options.HealthGate);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateHealthGate(List<string> failures, RegistrationHealthGateOptions? gate)
    {
        if (gate is null || !gate.Enabled)
        {
            return;
        }

        if (gate.Period < TimeSpan.FromSeconds(1) || gate.Period > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Gate}:Period {gate.Period} must be between 1 second (the health check publisher's least period) and 5 minutes.");
        }

        CheckThreshold(failures, "UnhealthyThreshold", gate.UnhealthyThreshold);
        CheckThreshold(failures, "HealthyThreshold", gate.HealthyThreshold);
        if (string.IsNullOrWhiteSpace(gate.Tag) || HasControl(gate.Tag))
        {
            failures.Add($"{Gate}:Tag '{gate.Tag}' must be the non-blank tag of the health checks that gate the registration.");
            return;
        }

        // A gate no check feeds would keep the instance out of etcd for good: refuse to start instead.
        var tagged = healthChecks.Value.Registrations
            .Where(r => r.Tags.Contains(gate.Tag) && !ownChecks.Value.Names.Contains(r.Name))
            .ToArray();
        if (tagged.Length == 0)
        {
            failures.Add($"{Gate}:Tag '{gate.Tag}' selects no health check: tag the checks that say this instance can serve, for example AddHealthChecks().AddCheck<T>(\"db\", tags: [\"{gate.Tag}\"]) (the registration's own check does not count).");
        }
        else if (publisher.Value.Predicate is { } predicate && !tagged.Any(predicate))
        {
            failures.Add($"{Gate}:Tag '{gate.Tag}' selects only health checks that HealthCheckPublisherOptions.Predicate leaves out, so no report would ever reach the gate.");
        }
    }

    private static void CheckThreshold(List<string> failures, string key, int value)
    {
        if (value is < 1 or > 100)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{Gate}:{key} {value} must be between 1 and 100 consecutive reports."));
        }
    }

    private static void CheckText(List<string> failures, string key, string? value)
    {
        // Empty means unset, so an environment variable can clear a value from appsettings.json.
        if (!string.IsNullOrEmpty(value) && (string.IsNullOrWhiteSpace(value) || HasControl(value)))
        {
            failures.Add($"{Section}:{key} '{value}' must be non-blank text without control characters, or unset.");
        }
    }

    private static string ReservedProperty(string key) => key switch
    {
        EndpointMetadata.IdKey => "InstanceId",
        EndpointMetadata.VersionKey => "Version",
        EndpointMetadata.WeightKey => "Weight",
        _ => "Zone",
    };

    private static bool HasControl(string text) => text.Any(char.IsControl);
}
