using System.Diagnostics;
using Discovery.Testing;

namespace Discovery.Cli.Tests.Infrastructure;

/// <summary>
/// A real terminal: a detached tmux session of a fixed size running one command, whose screen is read with
/// <c>tmux capture-pane</c>. The session gets its own tmux server socket, so tests never touch a user's tmux.
/// </summary>
internal sealed class TmuxTerminal : IAsyncDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), "discovery-cli-tmux-" + Guid.NewGuid().ToString("N")[..8]);

    private TmuxTerminal()
    {
    }

    /// <summary>Starts <paramref name="command"/> (a shell command line) in a 160x40 terminal.</summary>
    public static async Task<TmuxTerminal> StartAsync(string command)
    {
        var terminal = new TmuxTerminal();
        var (exitCode, _, error) = await terminal.TmuxAsync("new-session", "-d", "-x", "160", "-y", "40", command);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"tmux new-session failed ({exitCode}): {error}");
        }

        return terminal;
    }

    /// <summary>The screen as text, one string with a line per terminal row.</summary>
    public async Task<string> CaptureAsync()
    {
        var (_, screen, _) = await TmuxAsync("capture-pane", "-p");
        return screen;
    }

    /// <summary>Polls the screen until <paramref name="condition"/> holds; the last screen is in the failure message.</summary>
    public async Task<string> WaitForScreenAsync(Func<string, bool> condition, TimeSpan timeout, string description)
    {
        var screen = string.Empty;
        try
        {
            await Eventually.UntilAsync(async () => condition(screen = await CaptureAsync()), timeout, description);
        }
        catch (EventuallyTimeoutException ex)
        {
            throw new EventuallyTimeoutException($"{ex.Message}{Environment.NewLine}Last screen:{Environment.NewLine}{screen}", ex);
        }

        return screen;
    }

    /// <summary>Sends keys, as typed (<c>C-c</c> for Ctrl+C).</summary>
    public Task SendKeysAsync(string keys) => TmuxAsync("send-keys", keys);

    public async ValueTask DisposeAsync()
    {
        await TmuxAsync("kill-server");
        File.Delete(_socket);
    }

    private async Task<(int ExitCode, string Output, string Error)> TmuxAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-S");
        start.ArgumentList.Add(_socket);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output, await error);
    }
}
