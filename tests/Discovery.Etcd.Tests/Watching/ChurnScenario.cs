using System.Diagnostics;
using Discovery.Etcd.Connection;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>
/// The acceptance scenario: a watcher recording its views, a writer churning the service's records, and stable
/// records that the writer never touches and that must be in every view the watcher emits.
/// </summary>
internal sealed class ChurnScenario : IAsyncDisposable
{
    public const string Service = "echo";
    public static readonly TimeSpan Convergence = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan WriteDeadline = TimeSpan.FromSeconds(15);
    public static readonly string[] Stable = [.. Enumerable.Range(1, 5).Select(i => $"10.8.0.{i}:9090")];

    private readonly ITestOutputHelper _output;

    private ChurnScenario(WatcherUnderTest watcher, EtcdConnection writer, ITestOutputHelper output)
    {
        Watcher = watcher;
        Writer = writer;
        _output = output;
        Churn = new ChurnWriter(writer, Service, seed: Environment.TickCount);
    }

    public WatcherUnderTest Watcher { get; }

    /// <summary>The writer's connection, also used for the range reads the view is compared with.</summary>
    public EtcdConnection Writer { get; }

    public ChurnWriter Churn { get; }

    public static Task<ChurnScenario> StartAsync(string watchUrls, string writeUrls, ITestOutputHelper output, TimeSpan? gracePeriod = null) =>
        StartAsync(WatcherUnderTest.Start(watchUrls, Service, output, gracePeriod), writeUrls, output);

    public static async Task<ChurnScenario> StartAsync(WatcherUnderTest watcher, string writeUrls, ITestOutputHelper output)
    {
        var scenario = new ChurnScenario(watcher, watcher.ConnectTo(writeUrls), output);
        await scenario.PutAllAsync(Stable);
        await watcher.WaitSyncedAsync(v => Stable.All(s => v.Instances.Any(e => e.Address == s)));
        watcher.Record(Stable);
        await scenario.Churn.WaitForWritesAsync(50, WriteDeadline);
        return scenario;
    }

    public HashSet<string> Addresses() => [.. Watcher.Watcher.Current.Instances.Select(e => e.Address)];

    /// <summary>Writes the records of <paramref name="addresses"/>, retrying while etcd is not ready.</summary>
    public Task PutAllAsync(IEnumerable<string> addresses) => Eventually.UntilAsync(
        async () =>
        {
            foreach (var address in addresses)
            {
                await ServiceRecords.PutAsync(Writer, Service, address, version: "stable");
            }

            return true;
        },
        WriteDeadline,
        "records written");

    public Task WaitInterruptedAsync(TimeSpan? within = null) => Eventually.UntilAsync(
        () => Watcher.Watcher.Current.Problem is not null, within ?? TimeSpan.FromSeconds(5), "the watcher notices the incident");

    /// <summary>Lets the writer churn once etcd takes writes again, pauses it, and waits for the view to equal etcd.</summary>
    public async Task ChurnThenConvergeAsync(string situation, TimeSpan? within = null)
    {
        await Churn.WaitForWritesAsync(50, WriteDeadline);
        await Churn.PauseAsync();
        var clock = Stopwatch.StartNew();
        await Watcher.ConvergesAsync(Writer, within ?? Convergence, situation);
        _output.WriteLine($"converged {clock.ElapsedMilliseconds} ms after the writer paused {situation} ({Churn.Writes} writes, {Churn.Failures} failed, {Watcher.Views.Count} views emitted)");
        Assert.Empty(Watcher.Violations);
        Assert.True(Watcher.Views.Count > 10, "the watcher emitted views during the churn");
    }

    public async ValueTask DisposeAsync()
    {
        await Churn.DisposeAsync();
        Writer.Dispose();
        await Watcher.DisposeAsync();
    }
}
