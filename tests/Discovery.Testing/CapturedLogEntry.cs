using Microsoft.Extensions.Logging;

namespace Discovery.Testing;

/// <summary>One log entry kept by a <see cref="CapturingLoggerProvider"/>.</summary>
public sealed record CapturedLogEntry(string Category, LogLevel Level, int EventId, string? EventName, string Message, Exception? Exception)
{
    /// <summary>Level, category, message and the whole exception: everything a reader of the log would see.</summary>
    public override string ToString() => $"{Level} {Category}: {Message} {Exception}";
}
