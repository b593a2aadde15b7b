using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Configuration;

/// <summary>Validates <see cref="EtcdClientOptions.Retry"/> at start-up; every failure names its key.</summary>
internal sealed class RetryOptionsValidator : IValidateOptions<EtcdClientOptions>
{
    public ValidateOptionsResult Validate(string? name, EtcdClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = $"{EtcdClientOptions.SectionName}:{name}:Retry";
        var retry = options.Retry;
        if (retry is null)
        {
            return ValidateOptionsResult.Fail($"{section} may not be null.");
        }

        var failures = new List<string>();
        if (retry.MaxAttempts is < 2 or > DiscoveryRetryOptions.MaxAllowedAttempts)
        {
            failures.Add($"{section}:MaxAttempts must be 2 to {DiscoveryRetryOptions.MaxAllowedAttempts} (was {retry.MaxAttempts}).");
        }

        if (retry.InitialBackoff <= TimeSpan.Zero)
        {
            failures.Add($"{section}:InitialBackoff must be positive (was {retry.InitialBackoff}).");
        }

        if (retry.MaxBackoff < retry.InitialBackoff)
        {
            failures.Add($"{section}:MaxBackoff must be at least InitialBackoff (was {retry.MaxBackoff}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
