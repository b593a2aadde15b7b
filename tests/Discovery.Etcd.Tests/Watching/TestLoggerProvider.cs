using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>Keeps every log entry for assertions and echoes it to the test's output.</summary>
internal sealed class TestLoggerProvider(ITestOutputHelper? output) : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public int Count(string eventName) => _entries.Count(e => e.EventName == eventName);

    public void Dispose()
    {
    }

    private void Write(LogEntry entry)
    {
        _entries.Enqueue(entry);
        try
        {
            output?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {entry.Level} [{entry.EventName}] {entry.Message}{(entry.Exception is null ? string.Empty : " " + entry.Exception.GetType().Name + ": " + entry.Exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; its output is closed.
        }
    }

    internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string? EventName, string Message, Exception? Exception);

    private sealed class Logger(TestLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Write(new LogEntry(category, logLevel, eventId.Id, eventId.Name, formatter(state, exception), exception));
    }
}
