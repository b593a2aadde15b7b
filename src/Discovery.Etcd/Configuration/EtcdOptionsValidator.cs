using Microsoft.Extensions.Options;

namespace Discovery.Etcd;

/// <summary>Validates <see cref="EtcdOptions"/> at start-up; every failure names its configuration key.</summary>
internal sealed class EtcdOptionsValidator : IValidateOptions<EtcdOptions>
{
    public ValidateOptionsResult Validate(string? name, EtcdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Endpoints.Count == 0)
        {
            failures.Add($"{EtcdOptions.SectionName}:Endpoints is required: give at least one etcd URL such as http://127.0.0.1:2379.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
