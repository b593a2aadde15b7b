using System.Diagnostics;
using Discovery.Testing.Internal;

namespace Discovery.Testing;

/// <summary>
/// A real process (a sample app, a shell command) whose output the test reads and which it can signal.
/// Disposal kills it (and its process tree); the harness also kills it if the test run exits or crashes.
/// </summary>
/// <example><code>
/// await using var server = ChildProcess.StartDotnet(echoServerDll, ["--port", "5001"]);
/// await server.WaitForOutputLineAsync(l => l.Contains("listening"), TimeSpan.FromSeconds(10));
/// server.SendSignal(15);
/// Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(5)));
/// </code></example>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int TailLines = 40;
    private static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(2);
    private const string SetsidPath = "/usr/bin/setsid";

    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownGroup;
    private int _disposed;

    private ChildProcess(ProcessStartInfo startInfo, bool ownGroup)
    {
        _ownGroup = ownGroup;
        _process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        // The Exited event fires when the process ends; Process.WaitForExitAsync would also wait for
        // the end of its output, which a surviving grandchild can hold open for a long time.
        _process.Exited += (_, _) =>
        {
            _exited.TrySetResult();
            SignalChange();
        };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data, _stderrClosed);
        _process.Start();
        ProcessRegistry.Register(_process.Id, MarkerOf(startInfo), ownGroup);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Standard output lines captured so far (a snapshot).</summary>
    public IReadOnlyList<string> StandardOutputLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>Standard error lines captured so far (a snapshot).</summary>
    public IReadOnlyList<string> StandardErrorLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Starts <paramref name="fileName"/> with output captured; the environment entries are added to (or override) the inherited ones.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        // setsid (not a group leader, so it execs in place and keeps the pid) gives the child its own process group:
        // disposal kills the whole group, including grandchildren orphaned when the child itself died.
        var useGroup = File.Exists(SetsidPath);
        var startInfo = new ProcessStartInfo(useGroup ? SetsidPath : fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (useGroup)
        {
            startInfo.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        return new ChildProcess(startInfo, useGroup);
    }

    /// <summary>Runs <c>dotnet {dllPath} {arguments}</c>, in the dll's folder.</summary>
    public static ChildProcess StartDotnet(string dllPath, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dllPath);
        ArgumentNullException.ThrowIfNull(arguments);
        var fullPath = Path.GetFullPath(dllPath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Cannot start {fullPath}: the file does not exist (is the project built?).", fullPath);
        }

        return Start(DotnetHost(), [fullPath, .. arguments], environment, Path.GetDirectoryName(fullPath));
    }

    /// <summary>
    /// Waits for a standard output line (already captured or future) that matches. Throws <see cref="TimeoutException"/>
    /// with the tail of stdout and stderr on timeout, or when the process exits first.
    /// </summary>
    public async Task<string> WaitForOutputLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        var clock = Stopwatch.StartNew();
        var next = 0;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (; next < _stdout.Count; next++)
                {
                    if (match(_stdout[next]))
                    {
                        return _stdout[next];
                    }
                }

                changed = _changed.Task;
            }

            if (HasExited)
            {
                // Output may still be draining after the exit: wait for its end, then look once more.
                await WaitForOutputEndAsync().ConfigureAwait(false);
                lock (_gate)
                {
                    if (_stdout.Skip(next).FirstOrDefault(match) is { } late)
                    {
                        return late;
                    }
                }

                throw new TimeoutException($"Process {Id} exited with code {_process.ExitCode} before printing the expected line.{Describe()}");
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No matching output line from process {Id} within {timeout.TotalSeconds:0.##} s.{Describe()}");
            }

            await Task.WhenAny(changed, Task.Delay(remaining)).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a POSIX signal: 15 SIGTERM, 9 SIGKILL, 19 SIGSTOP, 18 SIGCONT, 2 SIGINT.</summary>
    public void SendSignal(int signal) => LibC.TrySignal(Id, signal);

    /// <summary>
    /// Waits for the exit and returns the exit code (128 + signal number when a signal ended it, e.g. 143 after SIGTERM).
    /// Throws <see cref="TimeoutException"/> with the output tail on timeout.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Process {Id} did not exit within {timeout.TotalSeconds:0.##} s.{Describe()}");
        }

        // The exit can be seen before its last lines are read (a summary printed just before exiting).
        await WaitForOutputEndAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Kills the process (its whole process group, or tree) if still running, waits for the exit and releases the process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_ownGroup)
        {
            LibC.TrySignal(-Id, LibC.SigKill);
        }

        if (!HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }

            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        ProcessRegistry.Unregister(_process.Id);
        _process.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{_process.StartInfo.FileName} (pid {Id})";

    private static string MarkerOf(ProcessStartInfo startInfo) =>
        startInfo.ArgumentList.Count == 0 ? startInfo.FileName : string.Join(' ', startInfo.ArgumentList.Take(2));

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// Waits for the end of both output streams, but only briefly: a surviving grandchild may hold them open, and
    /// then what was read so far is all there is.
    /// </summary>
    private async Task WaitForOutputEndAsync()
    {
        try
        {
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(OutputDrainLimit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Held open by another process.
        }
    }

    private void Append(List<string> lines, string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            lines.Add(line);
        }

        SignalChange();
    }

    private void SignalChange()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private string Describe()
    {
        lock (_gate)
        {
            return $"{Environment.NewLine}--- stdout (last {TailLines} lines) ---{Environment.NewLine}{string.Join(Environment.NewLine, _stdout.TakeLast(TailLines))}"
                + $"{Environment.NewLine}--- stderr (last {TailLines} lines) ---{Environment.NewLine}{string.Join(Environment.NewLine, _stderr.TakeLast(TailLines))}";
        }
    }
}
