using System.Diagnostics;
using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using Grpc.Core;
using Grpc.Examples.Echo;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace Discovery.Scenarios.Tests;

/// <summary>
/// SIGTERM to a real EchoServer with a gRPC health client watching it (<c>grpc.health.v1.Health/Watch</c>): its key
/// is gone before NOT_SERVING arrives, and NOT_SERVING arrives while Kestrel still accepts new connections.
/// </summary>
public sealed class GrpcHealthShutdownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Sigterm_HealthWatcherAttached_KeyGoneThenNotServingThenKestrelDrains()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("health");
        await using var server = await EchoServerProcess.StartRegisteredAsync([etcd.ClientUrl], etcdClient, service, "s1", options: new EchoServerOptions
        {
            DrainDelay = DrainDelay,
            ExtraArguments = await ScenarioAuth.ServerArgumentsAsync([etcd.ClientUrl], service),
            LogLevels = new Dictionary<string, string>(EchoServerOptions.QuietLogLevels, StringComparer.Ordinal) { ["Discovery"] = "Information" },
        });
        try
        {
            var health = new Health.HealthClient(server.Channel);
            using var watch = health.Watch(new HealthCheckRequest { Service = "" });
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);
            Assert.True(await server.IsRegisteredAsync(etcdClient));

            var signalled = Stopwatch.GetTimestamp();
            server.Process.SendSignal(15);

            // Every message until NOT_SERVING must still say SERVING.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            ServingStatus status;
            do
            {
                Assert.True(await watch.ResponseStream.MoveNext(timeout.Token), "the watch ended without NOT_SERVING");
                status = watch.ResponseStream.Current.Status;
            }
            while (status == ServingStatus.Serving);

            var notServingAfter = Stopwatch.GetElapsedTime(signalled);
            Assert.Equal(ServingStatus.NotServing, status);

            // The revoke happened before the server sent NOT_SERVING, so any read of etcd from now on finds the key gone.
            Assert.False(await server.IsRegisteredAsync(etcdClient), "NOT_SERVING arrived while the key was still in etcd");

            // Kestrel still accepts: a brand-new connection's call succeeds.
            using (var fresh = GrpcChannel.ForAddress($"http://{server.Address}"))
            {
                var reply = await new Echo.EchoClient(fresh).UnaryEchoAsync(new EchoRequest { Message = "after NOT_SERVING" }, deadline: DateTime.UtcNow.AddSeconds(5));
                Assert.Contains("(from s1)", reply.Message, StringComparison.Ordinal);
            }

            // After the drain delay the watch completes on its own (it must not hold Kestrel's drain), and the process exits.
            Assert.False(await watch.ResponseStream.MoveNext(timeout.Token));
            Assert.Equal(StatusCode.OK, watch.GetStatus().StatusCode);
            var watchEndedAfter = Stopwatch.GetElapsedTime(signalled);
            await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            var exitedAfter = Stopwatch.GetElapsedTime(signalled);
            output.WriteLine($"NOT_SERVING after {notServingAfter.TotalMilliseconds:0} ms, watch ended after {watchEndedAfter.TotalMilliseconds:0} ms, exited after {exitedAfter.TotalMilliseconds:0} ms");
            Assert.True(watchEndedAfter >= DrainDelay, $"the watch ended {watchEndedAfter} after SIGTERM, before the drain delay was over");
            Assert.True(exitedAfter < DrainDelay + TimeSpan.FromSeconds(5), $"exited {exitedAfter} after SIGTERM: something held Kestrel's drain");

            // The server's own log says the same order.
            var lines = server.Process.StandardOutputLines;
            var revoked = IndexOf(lines, "Revoked lease");
            var notServing = IndexOf(lines, "set NOT_SERVING");
            var draining = IndexOf(lines, "still serving for");
            Assert.True(revoked >= 0 && revoked < notServing && notServing < draining, string.Join(Environment.NewLine, lines));
        }
        finally
        {
            output.WriteLine(string.Join(Environment.NewLine, server.Process.StandardOutputLines));
        }
    }

    private static int IndexOf(IReadOnlyList<string> lines, string text)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
