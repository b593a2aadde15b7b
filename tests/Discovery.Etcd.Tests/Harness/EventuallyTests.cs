using Discovery.Testing;

namespace Discovery.Etcd.Tests.Harness;

public sealed class EventuallyTests
{
    [Fact]
    public async Task UntilAsync_ConditionNeverTrue_ThrowsWithDescription()
    {
        var error = await Assert.ThrowsAsync<EventuallyTimeoutException>(
            () => Eventually.UntilAsync(() => false, TimeSpan.FromMilliseconds(200), "the moon turns blue"));

        Assert.Contains("the moon turns blue", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntilAsync_ConditionThrowsThenHolds_Completes()
    {
        var calls = 0;

        await Eventually.UntilAsync(
            () => ++calls < 3 ? throw new InvalidOperationException("not yet") : Task.FromResult(true),
            TimeSpan.FromSeconds(5),
            "third call succeeds");

        Assert.Equal(3, calls);
    }

    [Fact]
    public void FreePort_Next_NeverRepeats()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
