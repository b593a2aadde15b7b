using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Discovery.Testing;

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every entry at or above a minimum level, safe to write from any
/// thread, and optionally echoes each one to the test's output. Await an entry with <see cref="WaitForAsync"/>.
/// </summary>
/// <example><code>
/// var logs = new CapturingLoggerProvider(LogLevel.Warning);
/// services.AddLogging(b => b.AddProvider(logs));
/// await logs.WaitForAsync(e => e.Message.Contains("echo/bad-port"), TimeSpan.FromSeconds(5));
/// </code></example>
public sealed class CapturingLoggerProvider(LogLevel minimumLevel = LogLevel.Trace, ITestOutputHelper? output = null) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<CapturedLogEntry> _entries = [];
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The entries kept so far, oldest first (a snapshot).</summary>
    public IReadOnlyList<CapturedLogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>How many entries have the event name <paramref name="eventName"/> (a <c>[LoggerMessage]</c> method's name).</summary>
    public int Count(string eventName) => Entries.Count(e => e.EventName == eventName);

    /// <summary>
    /// Returns the first entry, kept already or later, that matches; throws <see cref="TimeoutException"/> with the last
    /// entries after <paramref name="timeout"/>.
    /// </summary>
    public async Task<CapturedLogEntry> WaitForAsync(Func<CapturedLogEntry, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        var clock = Stopwatch.StartNew();
        var next = 0;
        while (true)
        {
            Task added;
            lock (_gate)
            {
                for (; next < _entries.Count; next++)
                {
                    if (match(_entries[next]))
                    {
                        return _entries[next];
                    }
                }

                added = _added.Task;
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                var tail = Entries.TakeLast(20).Select(e => e.ToString());
                throw new TimeoutException(
                    $"No matching log entry within {timeout.TotalSeconds:0.##} s. Last entries:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}");
            }

            await Task.WhenAny(added, Task.Delay(remaining, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private bool IsEnabled(LogLevel level) => level >= minimumLevel && level != LogLevel.None;

    private void Add(CapturedLogEntry entry)
    {
        TaskCompletionSource added;
        lock (_gate)
        {
            _entries.Add(entry);
            added = _added;
            _added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
        try
        {
            output?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {entry.Level} [{entry.EventName}] {entry.Message}{(entry.Exception is null ? string.Empty : " " + entry.Exception.GetType().Name + ": " + entry.Exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; its output is closed.
        }
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => owner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (owner.IsEnabled(logLevel))
            {
                owner.Add(new CapturedLogEntry(category, logLevel, eventId.Id, eventId.Name, formatter(state, exception), exception));
            }
        }
    }
}
