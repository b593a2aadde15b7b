namespace Discovery.Testing;

/// <summary>A condition awaited with <see cref="Eventually"/> did not hold before its deadline.</summary>
public sealed class EventuallyTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public EventuallyTimeoutException(string message, Exception? lastError)
        : base(message, lastError)
    {
    }
}
