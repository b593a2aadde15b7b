using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Configuration;

/// <summary>Fills the defaults that depend on the process, so every reader of the options sees the same instance id.</summary>
internal sealed class EtcdRegistrationOptionsSetup : IPostConfigureOptions<EtcdRegistrationOptions>
{
    public void PostConfigure(string? name, EtcdRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.InstanceId))
        {
            options.InstanceId = ProcessInstanceId.Value;
        }
    }
}
