namespace Discovery.Hosting.Leasing;

/// <summary>Timing of a <see cref="LeaseKeeper"/>; derived from the lease TTL unless a test sets them.</summary>
internal sealed class LeaseKeeperOptions
{
    /// <summary>The lease TTL, whole seconds, at least 2 s.</summary>
    public required TimeSpan Ttl { get; init; }

    /// <summary>How often the lease is renewed while etcd answers. Default: TTL / 3.</summary>
    public TimeSpan RenewInterval => Ttl / 3;

    /// <summary>How long one keep-alive reply may take before etcd counts as unreachable. Default: TTL / 3.</summary>
    public TimeSpan ReplyTimeout => Ttl / 3;

    /// <summary>The pause between keep-alive attempts while etcd is unreachable (at most 500 ms).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a grant, write or keep-alive may go unanswered before a second attempt starts beside it (and another
    /// every such delay until the deadline), so a call balanced onto a hung cluster member is answered by another.
    /// A healthy etcd answers in milliseconds, so while members answer no second attempt is sent.
    /// </summary>
    public TimeSpan HedgeDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The deadline of one grant or write; short, so a re-registration starts soon after etcd is back.</summary>
    public required TimeSpan RequestTimeout { get; init; }

    /// <summary>
    /// The ceilings of the first and the longest pause between re-registration attempts: the ceiling doubles from one
    /// to the other, and each pause is drawn between half and all of its ceiling.
    /// </summary>
    public TimeSpan RegisterBackoffStart { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc cref="RegisterBackoffStart"/>
    public TimeSpan RegisterBackoffMax { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The least pause between two rewrites asked for by the own-keys watch, so two owners of one key cannot spin.</summary>
    public TimeSpan RewriteMinInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
