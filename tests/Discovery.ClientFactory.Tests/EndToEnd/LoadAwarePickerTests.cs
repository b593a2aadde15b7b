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
    [InlineData(EtcdPickers.PowerOfTwoChoices)]
    [InlineData(EtcdPickers.LeastRequest)]
    public async Task SlowServer_ThenRestartedPrompt_FewCallsThenItsShare(string picker)
    {
        var service = ServiceNames.Next();
        var servers = new List<EchoServerProcess>();
        try
        {
            servers.AddRange(await Task.WhenAll(
                EchoServerProcess.StartAsync(etcd.Node, service, "s1"),
                EchoServerProcess.StartAsync(etcd.Node, service, "s2"),
                EchoServerProcess.StartAsync(etcd.Node, service, "s3", delay: TimeSpan.FromMilliseconds(50))));
            await using var client = EchoClientProcess.Start(
                etcd.Node.ClientUrl, "--service", service, "--duration", "60", "--concurrency", "8", "--picker", picker);

            await Eventually.UntilAsync(() => ProgressLine.Last(client.StandardOutputLines)?.Calls >= 1000, TimeSpan.FromSeconds(30), "1000 calls made");
            var slowPhase = ProgressLine.Last(client.StandardOutputLines)!;
            await servers[2].DisposeAsync();
            servers[2] = await EchoServerProcess.StartAsync(etcd.Node, service, "s3");
            var restartedAt = ProgressLine.Last(client.StandardOutputLines)!;
            await Eventually.UntilAsync(
                () => ShareSince(restartedAt, ProgressLine.Last(client.StandardOutputLines)!, "s3") >= 0.20,
                TimeSpan.FromSeconds(15),
                "the restarted server getting at least 20 % of the calls since it registered");

            Assert.Equal(0, slowPhase.Failed);
            Assert.True(
                slowPhase.CallsTo("s3") < 0.10 * slowPhase.Successes,
                $"the slow server got {slowPhase.CallsTo("s3")} of {slowPhase.Successes} calls");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static double ShareSince(ProgressLine then, ProgressLine now, string instance)
    {
        var calls = now.Successes - then.Successes;
        return calls == 0 ? 0 : (double)(now.CallsTo(instance) - then.CallsTo(instance)) / calls;
    }
}
