using System.Diagnostics;
using Discovery.Scenarios.Tests.Infrastructure;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Scenarios.Tests;

/// <summary>
/// Health-gated registration with real processes: an EchoServer whose readiness check fails for its first 3 s, then
/// turns Unhealthy and back on demand (a file), beside an ungated one, under load.
/// </summary>
public sealed class HealthGateTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private const int UnhealthyThreshold = 2;

    [Fact]
    public async Task HealthGate_ReadinessFailsThenRecovers_RegistersLateWithdrawsAndRestoresWithNoFailedCall()
    {
        await using var etcd = await ScenarioAuth.StartEtcdAsync();
        using var etcdClient = etcd.CreateClient();
        var service = ServiceNames.New("gate");
        await using var servers = new ServerSet([etcd.ClientUrl], etcdClient, service);
        await servers.StartAsync("s1");
        var unhealthyFile = Path.Combine(Path.GetTempPath(), $"discovery-unhealthy-{Guid.NewGuid():N}");

        // The gated server: ready 3 s after its start, Unhealthy while the file exists.
        var launched = Stopwatch.GetTimestamp();
        await using var gated = EchoServerProcess.Start([etcd.ClientUrl], service, "s2", options: new EchoServerOptions
        {
            LogLevels = new Dictionary<string, string>(EchoServerOptions.QuietLogLevels, StringComparer.Ordinal) { ["Discovery"] = "Information" },
            ExtraArguments =
            [
                .. await ScenarioAuth.ServerArgumentsAsync([etcd.ClientUrl], service),
                "--Discovery:Registration:HealthGate:Enabled=true",
                $"--Discovery:Registration:HealthGate:Period={Period:c}",
                $"--Discovery:Registration:HealthGate:UnhealthyThreshold={UnhealthyThreshold}",
                "--Discovery:Registration:HealthGate:HealthyThreshold=2",
                "--Echo:ReadyAfter=00:00:03",
                $"--Echo:UnhealthyFile={unhealthyFile}",
            ],
        });
        try
        {
            await gated.WaitListeningAsync();
            Assert.False(await gated.IsRegisteredAsync(etcdClient), "registered while its readiness check fails");
            await gated.WaitRegisteredAsync(etcdClient, TimeSpan.FromSeconds(15));
            var registeredAfter = Stopwatch.GetElapsedTime(launched);
            output.WriteLine($"s2 registered {registeredAfter.TotalSeconds:F1} s after launch");
            Assert.True(registeredAfter >= TimeSpan.FromSeconds(3), $"registered {registeredAfter} after launch, before its check passed");
            var lease = await LeaseOfAsync(etcdClient, gated.Key);

            await using var client = await LoadClient.StartAsync([etcd.ClientUrl], service);
            client.StartLoad(8);
            await client.WaitServedByEachAsync(["s1", "s2"], TimeSpan.FromSeconds(20));

            // Unhealthy: the records leave etcd within the configured window, the process and its lease stay.
            await File.WriteAllTextAsync(unhealthyFile, "");
            var turnedUnhealthy = Stopwatch.GetTimestamp();
            await gated.WaitUnregisteredAsync(etcdClient, TimeSpan.FromSeconds(15));
            var withdrawnAfter = Stopwatch.GetElapsedTime(turnedUnhealthy);
            output.WriteLine($"s2 withdrawn {withdrawnAfter.TotalSeconds:F1} s after turning Unhealthy");
            Assert.True(withdrawnAfter <= Period * (UnhealthyThreshold + 1) + TimeSpan.FromSeconds(1.5), $"withdrawn after {withdrawnAfter}");
            Assert.False(gated.Process.HasExited);

            // Calls move to s1: once the client saw the deletion, s2 gets none while s1 keeps serving.
            await client.WaitServedByAsync("s1", TimeSpan.FromSeconds(5));
            await Eventually.UntilAsync(() => client.CallsTo("s1") > 0, TimeSpan.FromSeconds(1), "s1 serving");
            var s1Before = client.CallsTo("s1");
            await Eventually.UntilAsync(() => client.CallsTo("s1") > s1Before + 200, TimeSpan.FromSeconds(10), "s1 serving 200 calls");
            var s2Withdrawn = client.CallsTo("s2");
            var s1Mid = client.CallsTo("s1");
            await Eventually.UntilAsync(() => client.CallsTo("s1") > s1Mid + 500, TimeSpan.FromSeconds(10), "s1 serving 500 more calls");
            Assert.Equal(s2Withdrawn, client.CallsTo("s2"));

            // Healthy again: the records come back under the same lease, and calls reach s2 again.
            File.Delete(unhealthyFile);
            await gated.WaitRegisteredAsync(etcdClient, TimeSpan.FromSeconds(15));
            Assert.Equal(lease, await LeaseOfAsync(etcdClient, gated.Key));
            await client.WaitServedByAsync("s2", TimeSpan.FromSeconds(10));

            var summary = await client.StopAsync();
            output.WriteLine(summary.ToString());
            Assert.True(summary.Failed == 0, summary.ToString());
            Assert.Contains(gated.Process.StandardOutputLines, l => l.Contains("Health gate of", StringComparison.Ordinal) && l.Contains("closed", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(unhealthyFile);
            output.WriteLine(string.Join(Environment.NewLine, gated.Process.StandardOutputLines));
        }
    }

    private static async Task<long> LeaseOfAsync(dotnet_etcd.EtcdClient etcd, string key) =>
        Assert.Single((await etcd.GetAsync(key)).Kvs).Lease;
}
