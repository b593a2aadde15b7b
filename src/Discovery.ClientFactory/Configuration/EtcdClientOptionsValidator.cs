using Discovery.ClientFactory.Picking;
using Discovery.Etcd.Records;
using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Configuration;

/// <summary>Validates each client's <see cref="EtcdClientOptions"/> at start-up; every failure names its key.</summary>
internal sealed class EtcdClientOptionsValidator(PickerRegistry pickers) : IValidateOptions<EtcdClientOptions>
{
    public ValidateOptionsResult Validate(string? name, EtcdClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = $"{EtcdClientOptions.SectionName}:{name}";
        var failures = new List<string>();

        if (ServiceKeys.ValidateServiceName(options.Service) is { } serviceProblem)
        {
            failures.Add($"{section}:Service {serviceProblem}: name the service the servers register under, or pass it to UseEtcd(\"name\").");
        }

        if (string.IsNullOrWhiteSpace(options.Picker) || !pickers.Contains(options.Picker))
        {
            failures.Add($"{section}:Picker '{options.Picker}' is not a known picker; known pickers: {string.Join(", ", pickers.Names)}.");
        }

        if (options.Version is { Length: 0 } || options.Version?.Trim() != options.Version)
        {
            failures.Add($"{section}:Version may not be empty or hold leading or trailing white space.");
        }

        if (options.Zone is { Length: 0 } || options.Zone?.Trim() != options.Zone)
        {
            failures.Add($"{section}:Zone may not be empty or hold leading or trailing white space.");
        }

        RequirePositive(options.StartupWait, $"{section}:StartupWait", failures, allowZero: true);
        RequirePositive(options.StaleViewThreshold, $"{section}:StaleViewThreshold", failures, allowZero: false);
        RequirePositive(options.P2cDecayTime, $"{section}:P2cDecayTime", failures, allowZero: false);
        RequirePositive(options.P2cForcePickInterval, $"{section}:P2cForcePickInterval", failures, allowZero: false);

        if (options.Subset is null)
        {
            failures.Add($"{section}:Subset may not be null.");
        }
        else
        {
            if (options.Subset.Size < 0)
            {
                failures.Add($"{section}:Subset:Size must be 0 (subsetting off) or more (was {options.Subset.Size}).");
            }

            if (options.Subset.ClientIndex < 0)
            {
                failures.Add($"{section}:Subset:ClientIndex must be 0 or more when set (was {options.Subset.ClientIndex}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequirePositive(TimeSpan value, string key, List<string> failures, bool allowZero)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero) || value > TimeSpan.FromDays(1))
        {
            failures.Add($"{key} must be {(allowZero ? "zero or more" : "more than zero")} and at most a day (was {value}).");
        }
    }
}
