using Xunit.Abstractions;
using System.Diagnostics;
using Discovery.Testing;
using Grpc.Core;
using Grpc.Examples.Echo;

namespace Discovery.Hosting.Tests.Integration;

public sealed class ShutdownTests(EtcdNodeFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdNodeFixture>
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    [Fact]
    public async Task Sigterm_Registered_KeyGoneWithinOneSecondAndProcessExitsZero()
    {
        await using var server = await EchoServers.StartAsync(etcd.Node.ClientUrl, "term-echo");
        await server.WaitRegistrationLoggedAsync();
        using var client = etcd.Node.CreateClient();

        var clock = Stopwatch.StartNew();
        server.Process.SendSignal(SigTerm);
        await Eventually.UntilAsync(async () => !await EtcdRecords.ExistsAsync(client, server.Key), TimeSpan.FromSeconds(1), "key deleted by the revoke");
        var gone = clock.Elapsed;
        output.WriteLine($"key gone {gone.TotalMilliseconds:0} ms after SIGTERM");

        Assert.Equal(0, await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(gone < TimeSpan.FromSeconds(1), $"key gone after {gone.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Sigterm_CallInFlight_CompletesAndNewCallsAreAnsweredDuringDrain()
    {
        // Each streamed reply waits 1.2 s: three of them outlast the 2 s drain delay, so Kestrel must drain the call.
        await using var server = await EchoServers.StartAsync(etcd.Node.ClientUrl, "drain-echo", "--Echo:Delay=00:00:01.200");
        await server.WaitRegistrationLoggedAsync();
        using var client = etcd.Node.CreateClient();
        using var stream = server.Client.ServerStreamingEcho(new EchoRequest { Message = "long" }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None), "the first reply shows the call is in flight");

        server.Process.SendSignal(SigTerm);
        await Eventually.UntilAsync(async () => !await EtcdRecords.ExistsAsync(client, server.Key), TimeSpan.FromSeconds(1), "key deleted by the revoke");
        var duringDrain = await server.UnaryAsync("new", TimeSpan.FromSeconds(10));
        var rest = new List<string>();
        await foreach (var reply in stream.ResponseStream.ReadAllAsync())
        {
            rest.Add(reply.Message);
        }

        Assert.Equal($"new (from {server.InstanceId})", duringDrain);
        Assert.Equal([$"long (from {server.InstanceId})", $"long (from {server.InstanceId})"], rest);
        Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
        Assert.Equal(0, await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Sigterm_EtcdHung_OwnPartTakesAtMostDrainDelayPlusTwoSeconds()
    {
        await using var node = await EtcdNode.StartAsync();
        await using var server = await EchoServers.StartAsync(node.ClientUrl, "hung-echo", "--Discovery:Registration:DrainDelay=00:00:01");
        await server.WaitRegistrationLoggedAsync();

        // A hung etcd (SIGSTOP) is the worst case: calls are neither refused nor answered.
        node.Pause();
        server.Process.SendSignal(SigTerm);
        var exit = await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(15));
        node.Resume();

        Assert.Equal(0, exit);
        var drained = server.Process.StandardOutputLines.Single(l => l.Contains("Drain delay of hung-echo over after", StringComparison.Ordinal));
        var elapsedMs = int.Parse(drained.Split("over after ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"revoke + drain delay took {elapsedMs} ms with etcd hung (DrainDelay 1000 ms)");
        Assert.InRange(elapsedMs, 1000, 3000);
    }

    [Fact]
    public async Task Kill9_Registered_KeyDisappearsAfterLeaseTtl()
    {
        await using var server = await EchoServers.StartAsync(etcd.Node.ClientUrl, "kill-echo");
        await server.WaitRegistrationLoggedAsync();
        using var client = etcd.Node.CreateClient();

        var clock = Stopwatch.StartNew();
        server.Process.SendSignal(SigKill);
        await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(5));
        Assert.True(await EtcdRecords.ExistsAsync(client, server.Key), "the record outlives a killed process until its lease expires");
        await Eventually.UntilAsync(
            async () => !await EtcdRecords.ExistsAsync(client, server.Key),
            EchoServers.LeaseTtl + TimeSpan.FromSeconds(2),
            "key deleted by lease expiry");

        output.WriteLine($"key gone {clock.Elapsed.TotalMilliseconds:0} ms after kill -9 (TTL {EchoServers.LeaseTtl.TotalMilliseconds:0} ms)");

        // The last renewal was at most TTL/3 before the kill, so expiry comes at least 2/3 TTL after it.
        Assert.InRange(clock.Elapsed, EchoServers.LeaseTtl * 2 / 3 - TimeSpan.FromMilliseconds(100), EchoServers.LeaseTtl + TimeSpan.FromSeconds(2));
    }
}
