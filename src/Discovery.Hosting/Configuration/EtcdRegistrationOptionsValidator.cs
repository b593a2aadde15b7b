using System.Globalization;
using Discovery.Etcd.Records;
using Discovery.Hosting.Registration;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Configuration;

/// <summary>Validates <see cref="EtcdRegistrationOptions"/> at start-up; every failure names its configuration key.</summary>
internal sealed class EtcdRegistrationOptionsValidator : IValidateOptions<EtcdRegistrationOptions>
{
    private const string Section = EtcdRegistrationOptions.SectionName;

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

        if (!string.IsNullOrEmpty(options.InstanceId) && (string.IsNullOrWhiteSpace(options.InstanceId) || HasControl(options.InstanceId)))
        {
            failures.Add($"{Section}:InstanceId '{options.InstanceId}' must be non-blank text without control characters (leave it unset for a unique id per process).");
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
