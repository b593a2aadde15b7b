using System.Diagnostics;
using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>Servers joining and leaving while a client calls.</summary>
public sealed class MembershipTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    [Fact]
    public async Task ServerJoinsThenLeaves_CallsWithin1sOfRegisteringAndNoneAfterDeregistering()
    {
        var service = ServiceNames.New();
        await using var s1 = await EchoServers.StartAsync(etcd.Node, service, "s1");
        await using var s2 = await EchoServers.StartAsync(etcd.Node, service, "s2");
        await using var client = InProcessClient.Create(etcd.Node.ClientUrl, service);
        long registeredAt, deregisteredAt;
        RecordedCall[] calls;
        await using (var recorder = new CallRecorder(client, concurrency: 4))
        {
            await Eventually.UntilAsync(() => recorder.Calls.Count(c => c.Instance is not null) > 100, TimeSpan.FromSeconds(10), "calls flowing");

            await using var s3 = await EchoServers.StartAsync(etcd.Node, service, "s3");
            registeredAt = Stopwatch.GetTimestamp();
            await Eventually.UntilAsync(() => recorder.Calls.Any(c => c.Instance == "s3"), TimeSpan.FromSeconds(5), "s3 answering");

            s3.Process.SendSignal(15);
            using var etcdClient = etcd.Node.CreateClient();
            await s3.WaitUnregisteredAsync(etcdClient, TimeSpan.FromSeconds(10));
            deregisteredAt = Stopwatch.GetTimestamp();
            await s3.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await Eventually.UntilAsync(() => recorder.Calls.Count(c => c.SentAt > deregisteredAt) > 200, TimeSpan.FromSeconds(10), "calls after s3 left");
            calls = [.. recorder.Calls];
        }

        var firstToS3 = calls.Where(c => c.Instance == "s3").Min(c => c.AnsweredAt);
        Assert.True(
            Stopwatch.GetElapsedTime(registeredAt, firstToS3) < TimeSpan.FromSeconds(1),
            $"s3 got its first call {Stopwatch.GetElapsedTime(registeredAt, firstToS3).TotalMilliseconds:F0} ms after registering");
        Assert.DoesNotContain(calls, c => c.Instance == "s3" && Stopwatch.GetElapsedTime(deregisteredAt, c.SentAt) > TimeSpan.FromMilliseconds(300));
        Assert.DoesNotContain(calls, c => c.Instance is null);
    }
}
