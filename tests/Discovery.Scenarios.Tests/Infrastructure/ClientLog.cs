using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// The in-process client's log, each line stamped with the local time of day as the sample servers stamp theirs, so a
/// scenario's output shows when the watcher lost and regained etcd and when the balancer added an instance next to
/// what the servers did. Our own categories and grpc-dotnet's balancer from Debug up, except its per-pick lines, and
/// everything else from Warning up (grpc-dotnet logs every call at Debug).
/// </summary>
internal sealed class ClientLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly DateTime _startedAt = DateTime.Now;

    /// <summary>A stopwatch timestamp as the log writes it: the local time of day.</summary>
    public string Stamp(long timestamp) => (_startedAt + Stopwatch.GetElapsedTime(_started, timestamp)).ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Adds a line of the test's own, stamped like the client's.</summary>
    public void Note(string message) => _lines.Enqueue($"{Stamp(Stopwatch.GetTimestamp())} test: {message}");

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public override string ToString() => string.Join(Environment.NewLine, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ClientLog owner, string category) : ILogger
    {
        private readonly LogLevel _least =
            category.StartsWith("Discovery.", StringComparison.Ordinal) || category.StartsWith("Grpc.Net.Client.Balancer", StringComparison.Ordinal)
                ? LogLevel.Debug
                : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _least;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Named Pick* events are grpc-dotnet's per-call picks: thousands a second under load.
            if (IsEnabled(logLevel) && eventId.Name?.StartsWith("Pick", StringComparison.Ordinal) != true)
            {
                var name = category[(category.LastIndexOf('.') + 1)..];
                owner._lines.Enqueue($"{owner.Stamp(Stopwatch.GetTimestamp())} {logLevel} {name}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetBaseException().Message)}");
            }
        }
    }
}
