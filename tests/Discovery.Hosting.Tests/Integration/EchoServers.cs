using Discovery.Testing;
using Grpc.Examples.Echo;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>
/// The integration tests' EchoServers: a random instance id, a port Kestrel picks (port 0 is what registration
/// must resolve), version v1, a 2 s lease, and the sample's own log levels, whose "Registered" line is awaited.
/// </summary>
internal static class EchoServers
{
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);

    private static readonly EchoServerOptions Options = new()
    {
        Version = "v1",
        LeaseTtl = LeaseTtl,
        LogLevels = new Dictionary<string, string>(),
    };

    /// <summary>Starts EchoServer on a free loopback port and waits until it listens (not until it registered).</summary>
    public static Task<EchoServerProcess> StartAsync(string etcdUrl, string service, params string[] extraArguments) =>
        EchoServerProcess.StartListeningAsync(
            [etcdUrl], service, "s-" + Guid.NewGuid().ToString("N")[..6], port: 0, Options with { ExtraArguments = extraArguments });

    extension(EchoServerProcess server)
    {
        /// <summary>An Echo client on the server's own channel.</summary>
        public Echo.EchoClient Client => new(server.Channel);

        public async Task<string> UnaryAsync(string message, TimeSpan timeout)
        {
            var reply = await server.Client.UnaryEchoAsync(new EchoRequest { Message = message }, deadline: DateTime.UtcNow + timeout);
            return reply.Message;
        }
    }
}
