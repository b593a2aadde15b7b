using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Discovery.EndToEnd;

/// <summary>
/// The moment our resolver's change reaches the balancer, read from a public observable: the balancer's own Debug
/// log events "instance {id} at {address} added / removed" (category
/// <c>Discovery.ClientFactory.Balancing.DiscoveryLoadBalancer</c>, event ids 1 and 2), written while it applies the
/// address list the resolver handed to grpc-dotnet. Each event is stamped when logged.
/// </summary>
internal sealed class BalancerEvents : ILoggerProvider
{
    private const string Category = "Discovery.ClientFactory.Balancing.DiscoveryLoadBalancer";
    private readonly ConcurrentDictionary<(string Address, bool Added), long> _seen = new();
    private long _added;

    /// <summary>How many instances the balancer added so far (subchannels it created).</summary>
    public long Added => Interlocked.Read(ref _added);

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Logger(this) : NullLogger.Instance;

    public async Task<long> WaitAsync(string address, bool added, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        long at;
        while (!_seen.TryRemove((address, added), out at))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"the balancer did not log {(added ? "adding" : "removing")} {address} within {timeout}");
            }

            await Task.Delay(1);
        }

        return at;
    }

    public void Clear() => _seen.Clear();

    public void Dispose()
    {
    }

    private sealed class Logger(BalancerEvents owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id is not (1 or 2) || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                return;
            }

            var at = Stopwatch.GetTimestamp();
            var address = values.FirstOrDefault(v => v.Key == "Address").Value as string;
            if (address is null)
            {
                return;
            }

            if (eventId.Id == 1)
            {
                Interlocked.Increment(ref owner._added);
            }

            owner._seen[(address, eventId.Id == 1)] = at;
        }
    }

    private sealed class NullLogger : ILogger
    {
        public static readonly NullLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
