using Discovery.ClientFactory;
using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>
/// p2c and least_request through the EchoClient at concurrency 8: a server answering 50 ms late among two prompt
/// ones gets few calls, and once restarted without the delay it gets its share back.
/// </summary>
public sealed class LoadAwarePickerTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    [Theory]
    [InlineData(DiscoveryPickers.PowerOfTwoChoices)]
    [InlineData(DiscoveryPickers.LeastRequest)]
    public async Task SlowServer_ThenRestartedPrompt_FewCallsThenItsShare(string picker)
    {
        var service = ServiceNames.New();
        var servers = new List<EchoServerProcess>();
        try
        {
            servers.AddRange(await Task.WhenAll(
                EchoServers.StartAsync(etcd.Node, service, "s1"),
                EchoServers.StartAsync(etcd.Node, service, "s2"),
                EchoServers.StartAsync(etcd.Node, service, "s3", EchoServers.Options with { EchoDelay = TimeSpan.FromMilliseconds(50) })));
            await using var client = EchoClientProcess.Start(
                etcd.Node.ClientUrl, "--service", service, "--duration", "60", "--concurrency", "8", "--picker", picker);

            // The first calls spread evenly while nothing is known about the servers: judge from the 200th call on.
            await Eventually.UntilAsync(() => ProgressLine.Last(client.StandardOutputLines)?.Calls >= 200, TimeSpan.FromSeconds(30), "200 calls made");
            var warmedUp = ProgressLine.Last(client.StandardOutputLines)!;
            await Eventually.UntilAsync(() => ProgressLine.Last(client.StandardOutputLines)?.Calls >= warmedUp.Calls + 1000, TimeSpan.FromSeconds(30), "1000 more calls made");
            var slowPhase = ProgressLine.Last(client.StandardOutputLines)!;
            await servers[2].DisposeAsync();
            servers[2] = await EchoServers.StartAsync(etcd.Node, service, "s3");
            var registeredAtLine = client.StandardOutputLines.Count;
            await Eventually.UntilAsync(
                () => RecentShare(client.StandardOutputLines, registeredAtLine, "s3") >= 0.20,
                TimeSpan.FromSeconds(15),
                "the restarted server getting at least 20 % of the calls (over the last 2 s)");

            Assert.Equal(0, slowPhase.Failed);
            var slowCalls = slowPhase.CallsTo("s3") - warmedUp.CallsTo("s3");
            var allCalls = slowPhase.Successes - warmedUp.Successes;
            Assert.True(slowCalls < 0.10 * allCalls, $"the slow server got {slowCalls} of {allCalls} calls");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>The instance's share of the calls between the last progress line and the one two lines (2 s) earlier.</summary>
    private static double RecentShare(IReadOnlyList<string> stdout, int notBefore, string instance)
    {
        var lines = stdout.Skip(notBefore).Where(l => l.StartsWith("progress ", StringComparison.Ordinal)).Select(ProgressLine.Parse).ToList();
        if (lines.Count < 3)
        {
            return 0;
        }

        var (then, now) = (lines[^3], lines[^1]);
        var calls = now.Successes - then.Successes;
        return calls == 0 ? 0 : (double)(now.CallsTo(instance) - then.CallsTo(instance)) / calls;
    }
}
