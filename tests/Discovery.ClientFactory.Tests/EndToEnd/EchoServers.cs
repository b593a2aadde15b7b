using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>
/// The end-to-end tests' EchoServers: registered before a test goes on, on a port Kestrel picks, version v1, a
/// 2 s lease and a 0.5 s drain delay so that leaving servers keep the tests short, warnings only.
/// </summary>
internal static class EchoServers
{
    public static readonly EchoServerOptions Options = new()
    {
        Version = "v1",
        LeaseTtl = TimeSpan.FromSeconds(2),
        DrainDelay = TimeSpan.FromMilliseconds(500),
        LogLevels = new Dictionary<string, string>(StringComparer.Ordinal) { ["Default"] = "Warning" },
    };

    public static readonly TimeSpan RegistrationTimeout = TimeSpan.FromSeconds(20);

    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Starts a server with <see cref="Options"/> (or <paramref name="options"/>) and returns once etcd holds its record.</summary>
    public static async Task<EchoServerProcess> StartAsync(EtcdNode etcd, string service, string instanceId, EchoServerOptions? options = null)
    {
        using var client = etcd.CreateClient();
        return await EchoServerProcess.StartRegisteredAsync([etcd.ClientUrl], client, service, instanceId, port: 0, options ?? Options, RegistrationTimeout);
    }
}
