using System.Diagnostics;
using Discovery.Testing;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// The stock Go client of the interop tests (Go/goecho/main.go): etcd's own gRPC resolver
/// (<c>go.etcd.io/etcd/clientv3/naming/resolver</c>, Debian's golang-etcd-server-dev) with grpc-go's round_robin,
/// built once per test run with Debian's Go in GOPATH mode.
/// </summary>
internal static class GoEchoClient
{
    private static readonly SemaphoreSlim s_buildGate = new(1, 1);
    private static string? s_binary;

    /// <summary>Builds the client (once per process) and returns the binary's path.</summary>
    public static async Task<string> BuildAsync(CancellationToken cancellationToken = default)
    {
        await s_buildGate.WaitAsync(cancellationToken);
        try
        {
            if (s_binary is not null)
            {
                return s_binary;
            }

            var gopath = Directory.CreateTempSubdirectory("discovery-go-").FullName;
            var package = Path.Combine(gopath, "src", "goecho");
            Directory.CreateDirectory(package);
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Go", "goecho", "main.go"), Path.Combine(package, "main.go"));
            var binary = Path.Combine(gopath, "goecho");
            var start = new ProcessStartInfo("go", ["build", "-o", binary, "goecho"])
            {
                WorkingDirectory = gopath,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["GO111MODULE"] = "off";
            start.Environment["GOPATH"] = $"{gopath}:/usr/share/gocode";
            start.Environment["GOFLAGS"] = string.Empty;
            using var go = Process.Start(start) ?? throw new InvalidOperationException("go did not start");
            var stderr = go.StandardError.ReadToEndAsync(cancellationToken);
            await go.StandardOutput.ReadToEndAsync(cancellationToken);
            await go.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
            if (go.ExitCode != 0)
            {
                throw new InvalidOperationException($"go build of the Go echo client failed ({go.ExitCode}): {await stderr}");
            }

            s_binary = binary;
            return binary;
        }
        finally
        {
            s_buildGate.Release();
        }
    }

    /// <summary>Starts the client: it calls for <paramref name="duration"/>, a line per call on its standard output.</summary>
    /// <param name="etcdUrl">The etcd endpoint.</param>
    /// <param name="service">The service to dial (<c>etcd:///{service}</c>).</param>
    /// <param name="duration">How long it calls.</param>
    /// <param name="credentials">The etcd user and password to log in with (the password passes through the environment), or none.</param>
    public static async Task<ChildProcess> StartAsync(string etcdUrl, string service, TimeSpan duration, (string User, string Password)? credentials = null)
    {
        var binary = await BuildAsync();
        string[] arguments = ["-etcd", etcdUrl, "-service", service, "-interval", "5ms", "-duration", $"{(int)duration.TotalSeconds}s"];
        return credentials is { } login
            ? ChildProcess.Start(binary, [.. arguments, "-user", login.User], new Dictionary<string, string> { ["GOECHO_ETCD_PASSWORD"] = login.Password })
            : ChildProcess.Start(binary, arguments);
    }

    /// <summary>Replies the client got from <paramref name="instanceId"/> so far.</summary>
    public static int RepliesFrom(ChildProcess client, string instanceId) =>
        client.StandardOutputLines.Count(l => l.StartsWith("reply: ", StringComparison.Ordinal) && l.EndsWith($"(from {instanceId})", StringComparison.Ordinal));

    /// <summary>Calls that failed so far.</summary>
    public static IReadOnlyList<string> Errors(ChildProcess client) =>
        [.. client.StandardOutputLines.Where(l => l.StartsWith("error: ", StringComparison.Ordinal) || l.StartsWith("fatal: ", StringComparison.Ordinal))];
}
