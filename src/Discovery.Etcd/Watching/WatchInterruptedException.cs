namespace Discovery.Etcd.Watching;

/// <summary>A watch attempt ended without etcd asking for it: a hung or closed stream, or an inconsistent reply.</summary>
internal sealed class WatchInterruptedException : Exception
{
    public WatchInterruptedException(string message)
        : base(message)
    {
    }

    public WatchInterruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
