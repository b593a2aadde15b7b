namespace Discovery.Etcd.Watching;

/// <summary>
/// The clocks of a watcher's liveness and reconnection. The defaults detect a hung etcd within
/// <see cref="HangTimeout"/> + <see cref="ProgressInterval"/> and watch again about a second after etcd answers.
/// </summary>
internal sealed record WatchTimings
{
    /// <summary>The defaults.</summary>
    public static WatchTimings Default { get; } = new();

    /// <summary>How often a progress request asks etcd to prove the stream is alive.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a stream may stay silent (no reply, not even to a progress request), and how long a listing or a
    /// watch creation may take, before etcd is taken as hung and another attempt (possibly another member) is made.
    /// </summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The ceiling of the first reconnection delay.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The ceiling of every reconnection delay; together with the channel's own 1 s reconnect backoff it
    /// keeps a watcher watching again within about 2 s of etcd answering.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);
}
