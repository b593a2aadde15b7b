using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>Zone preference against real servers: the client's zone first, the others when it empties.</summary>
public sealed class ZoneFallbackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Zone_WhenItsOnlyInstanceLeaves_FallsBackToOtherZonesWithoutFailedCalls()
    {
        await using var etcd = await EtcdNode.StartAsync();
        const string service = "zone-fallback";
        await using var a1 = await EchoServers.StartAsync(etcd, service, "a1", EchoServers.Options with { Zone = "a" });
        await using var b1 = await EchoServers.StartAsync(etcd, service, "b1", EchoServers.Options with { Zone = "b" });
        await using var b2 = await EchoServers.StartAsync(etcd, service, "b2", EchoServers.Options with { Zone = "b" });

        await using var client = EchoClientProcess.Start(
            etcd.ClientUrl, "--service", service, "--zone", "a", "--duration", "8", "--concurrency", "4");
        var beforeLeaving = await client.WaitForOutputLineAsync(
            line => line.StartsWith("progress", StringComparison.Ordinal) && line.Contains("a1:", StringComparison.Ordinal),
            Timeout);
        await a1.StopGracefullyAsync(EchoServers.StopTimeout);
        var summary = await EchoClientProcess.SummaryOfAsync(client, Timeout);

        Assert.DoesNotContain("b1:", beforeLeaving, StringComparison.Ordinal);
        Assert.DoesNotContain("b2:", beforeLeaving, StringComparison.Ordinal);
        Assert.True(summary.Failed == 0, summary.ToString());
        Assert.True(summary.CallsTo("a1") > 0, summary.ToString());
        Assert.True(summary.CallsTo("b1") > 0 && summary.CallsTo("b2") > 0, summary.ToString());
    }
}
