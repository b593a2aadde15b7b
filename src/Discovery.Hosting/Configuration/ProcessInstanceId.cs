using System.Globalization;
using System.Security.Cryptography;

namespace Discovery.Hosting.Configuration;

/// <summary>The default instance id: the machine, the process and a random part, fixed for the process's life.</summary>
internal static class ProcessInstanceId
{
    public static string Value { get; } = string.Create(
        CultureInfo.InvariantCulture,
        $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(6, lowercase: true)}");
}
