using Discovery.Cli.Tests.Infrastructure;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Cli.Tests.Commands;

/// <summary>
/// <c>discovery watch</c> in a real terminal (tmux, 160x40), its screen read with <c>capture-pane</c>: an instance
/// appears, pauses and disappears; etcd going away marks the view stale and keeps it.
/// </summary>
public sealed class WatchCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Watch_InstanceAppearsPausesAndLeaves_TheScreenFollows()
    {
        await using var etcd = await EtcdNode.StartAsync();
        using var client = etcd.CreateClient();
        var service = ServiceNames.New("watch");
        await using var terminal = await TmuxTerminal.StartAsync(Command(service, etcd.ClientUrl));
        await terminal.WaitForScreenAsync(s => s.Contains(service, StringComparison.Ordinal) && s.Contains("live", StringComparison.Ordinal), s_within, "the watch showing the service live");

        await using var s1 = await EchoServerProcess.StartRegisteredAsync([etcd.ClientUrl], client, service, "s1");
        var appeared = await terminal.WaitForScreenAsync(s => RowOf(s, "s1") is { } row && row.Contains(s1.Address, StringComparison.Ordinal) && row.Contains("serving", StringComparison.Ordinal), s_within, "s1 serving on screen");
        output.WriteLine(appeared);

        var paused = await DiscoveryTool.RunAsync(["pause", service, "s1", "--endpoints", etcd.ClientUrl]);
        Assert.True(paused.ExitCode == 0, paused.ToString());
        await terminal.WaitForScreenAsync(s => RowOf(s, "s1")?.Contains("paused", StringComparison.Ordinal) == true, s_within, "s1 paused on screen");

        await s1.StopGracefullyAsync();
        var left = await terminal.WaitForScreenAsync(s => RowOf(s, "s1") is null && s.Contains("live", StringComparison.Ordinal), s_within, "s1 gone from the screen");
        output.WriteLine(left);
    }

    [Fact]
    public async Task Watch_EtcdGoesAway_KeepsTheLastViewMarkedStaleWithItsAge()
    {
        await using var etcd = await EtcdNode.StartAsync();
        using var client = etcd.CreateClient();
        var service = ServiceNames.New("stale");
        var lease = (await client.LeaseGrantAsync(new Etcdserverpb.LeaseGrantRequest { TTL = 300 })).ID;
        await client.PutAsync($"{service}/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=k1"), lease);
        await using var terminal = await TmuxTerminal.StartAsync(Command(service, etcd.ClientUrl));
        await terminal.WaitForScreenAsync(s => RowOf(s, "k1") is not null && s.Contains("live", StringComparison.Ordinal), s_within, "k1 on screen");

        await etcd.KillAsync();

        var stale = await terminal.WaitForScreenAsync(
            s => s.Contains("STALE", StringComparison.Ordinal) && s.Contains("s ago", StringComparison.Ordinal) && RowOf(s, "k1") is not null,
            s_within,
            "the last view kept, marked stale with its age");
        output.WriteLine(stale);

        await etcd.StartAgainAsync();
        await terminal.WaitForScreenAsync(s => s.Contains("live", StringComparison.Ordinal) && RowOf(s, "k1") is not null, s_within, "the view live again");
    }

    private static string Command(string service, string etcdUrl)
    {
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        return $"'{dotnet}' '{DiscoveryTool.Dll}' watch {service} --endpoints {etcdUrl}";
    }

    // The table row of an instance id, or null when the screen shows none.
    private static string? RowOf(string screen, string id) =>
        screen.Split('\n').FirstOrDefault(line => line.StartsWith($"│ {id} ", StringComparison.Ordinal));
}
