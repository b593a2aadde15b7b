namespace Discovery.ClientFactory;

/// <summary>
/// How a client retries calls that failed because of an instance rather than the call: <see cref="EtcdClientOptions.Retry"/>.
/// Bound from <c>Discovery:Clients:{client name}:Retry</c>.
/// </summary>
/// <remarks>
/// grpc-dotnet has no transparent retry, and its retry policy chooses by status code only, so two layers are offered.
/// <see cref="NeverReached"/> (on by default) retries, on another instance, a unary call that provably never reached a
/// server: the connection was refused or could not be made, or the server refused the stream before processing it.
/// Such a call is safe to send again whatever the method does. <see cref="Unavailable"/> (off by default) adds
/// grpc-dotnet's retry policy for every method of the client, retrying <c>Unavailable</c> and the <c>Internal</c>
/// statuses that server shutdown races produce: a call may then run twice, so turn it on only for clients whose
/// methods are idempotent. grpc-dotnet buffers a call's request messages for replay (1 MB per call and 16 MB per
/// channel by default, <c>GrpcChannelOptions.MaxRetryBufferPerCallSize</c> and <c>MaxRetryBufferSize</c>); a call
/// past those limits, or one whose response headers arrived, is no longer retried.
/// </remarks>
/// <example>
/// <code>
/// "Discovery": { "Clients": { "EchoClient": { "Service": "echo", "Retry": { "Unavailable": true } } } }
/// </code>
/// </example>
public sealed class DiscoveryRetryOptions
{
    /// <summary>The most attempts (the first included) grpc-dotnet allows a retry policy.</summary>
    public const int MaxAllowedAttempts = 5;

    /// <summary>
    /// Retries a unary call that never reached a server (connection refused or failed, stream refused by the server)
    /// on another instance, up to <see cref="MaxAttempts"/> attempts within the call's deadline. Streaming calls are
    /// not retried. With <see cref="Unavailable"/> on, grpc-dotnet's policy retries these calls instead. Default: true.
    /// </summary>
    public bool NeverReached { get; set; } = true;

    /// <summary>
    /// For clients whose methods are idempotent: every call failing with <c>Unavailable</c> or <c>Internal</c> is
    /// retried through grpc-dotnet's retry policy (added to the channel's service config for every method, unless the
    /// app configured a default method config itself). Default: false.
    /// </summary>
    public bool Unavailable { get; set; }

    /// <summary>The most attempts per call, the first included, 2 to 5. Default: 5.</summary>
    public int MaxAttempts { get; set; } = MaxAllowedAttempts;

    /// <summary>
    /// The ceiling of the first pause; each pause is drawn at random under its ceiling, and the ceilings double up to
    /// <see cref="MaxBackoff"/>. grpc-dotnet's policy (<see cref="Unavailable"/>) pauses before its first retry; the
    /// <see cref="NeverReached"/> retry sends its first retry at once (the refusing instance is already ejected) and
    /// pauses from the second on. Positive. Default: 50 ms.
    /// </summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest pause between two attempts; at least <see cref="InitialBackoff"/>. Default: 1 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(1);
}
