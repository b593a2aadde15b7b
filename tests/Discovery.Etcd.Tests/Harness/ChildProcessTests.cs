using Discovery.Testing;

namespace Discovery.Etcd.Tests.Harness;

public sealed class ChildProcessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SendSignal_SigTerm_ExitIsObserved()
    {
        await using var child = ChildProcess.Start("/bin/sh", ["-c", "echo hi; sleep 30"]);

        var line = await child.WaitForOutputLineAsync(l => l == "hi", Wait);
        child.SendSignal(15);
        var exitCode = await child.WaitForExitAsync(Wait);

        Assert.Equal("hi", line);
        Assert.True(child.HasExited);
        Assert.Equal(128 + 15, exitCode);
    }

    [Fact]
    public async Task WaitForExitAsync_LastLinePrintedJustBeforeExit_IsAlreadyCaptured()
    {
        // Output that fits the pipe's buffer, so the child exits at once while its lines are still being read.
        for (var run = 0; run < 20; run++)
        {
            await using var child = ChildProcess.Start("/bin/sh", ["-c", "seq 1 10000; echo summary"]);

            var exitCode = await child.WaitForExitAsync(Wait);

            Assert.Equal((0, "summary", 10001), (exitCode, child.StandardOutputLines[^1], child.StandardOutputLines.Count));
        }
    }

    [Fact]
    public async Task WaitForExitAsync_GrandchildHoldsTheOutputOpen_ReturnsAnyway()
    {
        // The background sleep inherits stdout and keeps it open after the shell exits.
        await using var child = ChildProcess.Start("/bin/sh", ["-c", "sleep 30 & echo started"]);

        var exitCode = await child.WaitForExitAsync(Wait);

        Assert.Equal((0, "started"), (exitCode, child.StandardOutputLines[^1]));
    }

    [Fact]
    public async Task WaitForOutputLineAsync_ProcessExitsFirst_ThrowsWithOutputTail()
    {
        await using var child = ChildProcess.Start("/bin/sh", ["-c", "echo out-line; echo err-line >&2; exit 3"]);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => child.WaitForOutputLineAsync(l => l == "never", Wait));

        Assert.Contains("out-line", error.Message, StringComparison.Ordinal);
        Assert.Contains("err-line", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, await child.WaitForExitAsync(Wait));
    }

    [Fact]
    public async Task DisposeAsync_ChildWithBackgroundGrandchild_KillsBoth()
    {
        var child = ChildProcess.Start("/bin/sh", ["-c", "sleep 30 & echo $!; wait"]);
        var grandchild = int.Parse(await child.WaitForOutputLineAsync(_ => true, Wait), System.Globalization.CultureInfo.InvariantCulture);

        await child.DisposeAsync();

        await Eventually.UntilAsync(() => !IsAlive(grandchild), Wait, $"grandchild {grandchild} is dead");
    }

    // A killed orphan may linger as a zombie until init reaps it: that counts as dead.
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
