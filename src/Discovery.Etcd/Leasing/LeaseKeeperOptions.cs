namespace Discovery.Etcd.Leasing;

/// <summary>Timing of a <see cref="LeaseKeeper"/>; derived from the lease TTL unless a test sets them.</summary>
internal sealed class LeaseKeeperOptions
{
    /// <summary>The lease TTL, whole seconds, at least 2 s.</summary>
    public required TimeSpan Ttl { get; init; }

    /// <summary>How often the lease is renewed while etcd answers. Default: TTL / 3.</summary>
    public TimeSpan RenewInterval => Ttl / 3;

    /// <summary>How long one keep-alive reply may take before etcd counts as unreachable. Default: TTL / 3.</summary>
    public TimeSpan ReplyTimeout => Ttl / 3;

    /// <summary>
    /// The deadline of the first attempt after a success (keep-alive, grant or write); each failed attempt doubles it,
    /// up to <see cref="ReplyTimeout"/> or <see cref="RequestTimeout"/>. Default: TTL / 20 (250 ms for a 5 s lease).
    /// </summary>
    /// <remarks>
    /// A hung member of a cluster keeps its connection open, so calls balanced onto it wait out their deadline. With
    /// TTL / 3 for every attempt, two keep-alives in a row landing on it lost a live 5 s lease, and one grant landing
    /// on it kept a revoked record away for 2 s (measured, 3-member cluster, one member SIGSTOPped). Short first
    /// attempts move on to another member at once; the doubling still lets a slow but working etcd answer.
    /// </remarks>
    public TimeSpan FirstAttemptTimeout => Ttl / 20;

    /// <summary>The pause between keep-alive attempts while etcd is unreachable (at most 500 ms).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The deadline of one grant or write; short, so a re-registration starts soon after etcd is back.</summary>
    public required TimeSpan RequestTimeout { get; init; }

    /// <summary>First and largest pause between re-registration attempts (exponential with jitter in between).</summary>
    public TimeSpan RegisterBackoffStart { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc cref="RegisterBackoffStart"/>
    public TimeSpan RegisterBackoffMax { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The least pause between two rewrites asked for by the own-keys watch, so two owners of one key cannot spin.</summary>
    public TimeSpan RewriteMinInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
