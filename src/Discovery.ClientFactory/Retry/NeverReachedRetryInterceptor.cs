using Discovery.Etcd.Retry;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Discovery.ClientFactory.Retry;

/// <summary>
/// Sends a unary call again when its attempt provably never reached a server (<see cref="TransportFailure.NeverReachedServer"/>).
/// The failed instance was ejected before the failure reached this interceptor, so the next pick chooses another
/// instance. Attempts stop at <see cref="DiscoveryRetryOptions.MaxAttempts"/>, at the call's deadline or cancellation, or
/// when the caller disposed the call. Streaming calls pass untouched: their messages are the caller's to replay.
/// </summary>
/// <remarks>
/// Registered before the routing interceptor, so every attempt is routed and tracked anew. With
/// <see cref="DiscoveryRetryOptions.Unavailable"/> on, grpc-dotnet's policy retries these calls already and this layer
/// stands aside, so attempts do not multiply.
/// <para>
/// The first retry goes at once: the instance that refused the call is already ejected, so the next pick chooses
/// another. Later retries pause (<see cref="PauseBefore"/>) within <see cref="DiscoveryRetryOptions.InitialBackoff"/>
/// and <see cref="DiscoveryRetryOptions.MaxBackoff"/>, for when every instance refuses (a whole service restarting).
/// Not a Polly retry: a pipeline run per call costs allocations on every call, and the call's own attempt counter,
/// which bounds its attempts, is all the backoff needs.
/// </para>
/// </remarks>
/// <param name="options">The client's retry options.</param>
/// <param name="time">The clock pauses are timed on.</param>
/// <param name="jitter">The randomness pauses are drawn with.</param>
/// <param name="metrics">Counts each retry as <see cref="RetryMetrics.NeverReached"/>; none in unit tests that do not read it.</param>
/// <param name="service">The service the client calls, for the count.</param>
internal sealed class NeverReachedRetryInterceptor(
    DiscoveryRetryOptions options, TimeProvider time, IJitterSource jitter, RetryMetrics? metrics = null, string service = "") : Interceptor
{
    private readonly TimeProvider _time = time;

    // Doubling, with full jitter (each pause drawn anywhere under its ceiling) as grpc-dotnet's retry policy draws the
    // pauses that the same two keys bound when Retry:Unavailable is on.
    private readonly ExponentialBackoff _backoff = new(options.InitialBackoff, options.MaxBackoff, multiplier: 2, jitter: 1);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return continuation(request, context);
            }
            catch (RpcException e) when (ShouldRetry(e, attempt, context.Options))
            {
                Retrying();
                var pause = PauseBefore(attempt);
                if (pause > TimeSpan.Zero)
                {
                    // The caller chose to block this thread for the whole call; a timer's task needs no thread to
                    // complete, so waiting on it cannot deadlock.
                    Task.Delay(pause, _time, context.Options.CancellationToken)
                        .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
                }
            }
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var first = continuation(request, context);
        if (!IsActive)
        {
            return first;
        }

        var call = new RetryingUnaryCall<TRequest, TResponse>(this, first, request, context, continuation);
        return new AsyncUnaryCall<TResponse>(call.ResponseAsync, call.ResponseHeadersAsync(), call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private bool IsActive => options.NeverReached && !options.Unavailable;

    /// <summary>The pause before retry <paramref name="retry"/> (1 for the first, which goes at once).</summary>
    internal TimeSpan PauseBefore(int retry) => retry == 1 ? TimeSpan.Zero : _backoff.DelayBefore(retry - 1, jitter);

    private void Retrying() => metrics?.Retried(service, RetryMetrics.NeverReached);

    private bool ShouldRetry(RpcException e, int attempt, CallOptions callOptions) =>
        IsActive
        && attempt < options.MaxAttempts
        && !callOptions.CancellationToken.IsCancellationRequested
        && (callOptions.Deadline is not { } deadline || deadline > _time.GetUtcNow().UtcDateTime)
        && TransportFailure.NeverReachedServer(e);

    /// <summary>One caller-visible call over successive attempts; status, trailers and disposal follow the latest.</summary>
    private sealed class RetryingUnaryCall<TRequest, TResponse>
        where TRequest : class
        where TResponse : class
    {
        private readonly NeverReachedRetryInterceptor _owner;
        private readonly TRequest _request;
        private readonly ClientInterceptorContext<TRequest, TResponse> _context;
        private readonly AsyncUnaryCallContinuation<TRequest, TResponse> _continuation;
        private volatile AsyncUnaryCall<TResponse> _current;
        private volatile bool _disposed;

        public RetryingUnaryCall(
            NeverReachedRetryInterceptor owner,
            AsyncUnaryCall<TResponse> first,
            TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            _owner = owner;
            _current = first;
            _request = request;
            _context = context;
            _continuation = continuation;
            ResponseAsync = RunAsync();
        }

        public Task<TResponse> ResponseAsync { get; }

        /// <summary>The headers of the attempt that ends the call: a refused attempt never has any.</summary>
        public async Task<Metadata> ResponseHeadersAsync()
        {
            await ((Task)ResponseAsync).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return await _current.ResponseHeadersAsync.ConfigureAwait(false);
        }

        public Status GetStatus() => _current.GetStatus();

        public Metadata GetTrailers() => _current.GetTrailers();

        public void Dispose()
        {
            _disposed = true;
            _current.Dispose();
        }

        private async Task<TResponse> RunAsync()
        {
            for (var attempt = 1; ; attempt++)
            {
                var call = _current;
                try
                {
                    return await call.ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException e) when (!_disposed && _owner.ShouldRetry(e, attempt, _context.Options))
                {
                    call.Dispose();
                    _owner.Retrying();
                }

                var pause = _owner.PauseBefore(attempt);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, _owner._time, _context.Options.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                var next = _continuation(_request, _context);
                _current = next;
                if (_disposed)
                {
                    // The caller disposed the call while this attempt was being started.
                    next.Dispose();
                }
            }
        }
    }
}
