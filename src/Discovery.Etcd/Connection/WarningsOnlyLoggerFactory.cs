using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Connection;

/// <summary>
/// The logger factory of the etcd channel's own gRPC logging: warnings and errors only. grpc-dotnet logs every call
/// that ends in an error status at Information, and on this channel such ends are routine and handled: the twin of a
/// hedged lease grant that etcd refuses ("lease already exists"), watches cancelled when a watcher stops. Our own
/// logs report what an operator needs about etcd.
/// </summary>
internal sealed class WarningsOnlyLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new WarningsOnlyLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The inner factory belongs to the application.
    public void Dispose()
    {
    }

    private sealed class WarningsOnlyLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
