using Discovery.ClientFactory.Routing;
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
/// Runs the routing interceptor around each attempt, so every attempt is routed and tracked anew. With
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
/// <param name="routing">
/// The routing interceptor each attempt goes through, run inside this one rather than as a layer of its own: one
/// interceptor layer instead of two saves Grpc.Net.ClientFactory's per-call continuation delegate. None: attempts go
/// straight to the continuation (unit tests).
/// </param>
internal sealed class NeverReachedRetryInterceptor(
    DiscoveryRetryOptions options, TimeProvider time, IJitterSource jitter, RetryMetrics? metrics = null, string service = "",
    RoutingInterceptor? routing = null) : Interceptor
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
                return routing is null ? continuation(request, context) : routing.BlockingUnaryCall(request, context, continuation);
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
        var first = Attempt(request, context, continuation);
        if (!IsActive)
        {
            return first;
        }

        var call = new RetryingUnaryCall<TRequest, TResponse>(this, first, request, context, continuation);
        // The state-taking constructor with static callbacks: no delegate per call, and the headers task is made only
        // if the caller asks for it.
        return new AsyncUnaryCall<TResponse>(
            call.ResponseAsync,
            RetryingUnaryCall<TRequest, TResponse>.GetHeaders,
            RetryingUnaryCall<TRequest, TResponse>.GetStatus,
            RetryingUnaryCall<TRequest, TResponse>.GetTrailers,
            RetryingUnaryCall<TRequest, TResponse>.Dispose,
            call);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        routing is null ? continuation(request, context) : routing.AsyncServerStreamingCall(request, context, continuation);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        routing is null ? continuation(context) : routing.AsyncClientStreamingCall(context, continuation);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        routing is null ? continuation(context) : routing.AsyncDuplexStreamingCall(context, continuation);

    private bool IsActive => options.NeverReached && !options.Unavailable;

    /// <summary>The pause before retry <paramref name="retry"/> (1 for the first, which goes at once).</summary>
    internal TimeSpan PauseBefore(int retry) => retry == 1 ? TimeSpan.Zero : _backoff.DelayBefore(retry - 1, jitter);

    /// <summary>Starts one attempt, routed when this client routes.</summary>
    private AsyncUnaryCall<TResponse> Attempt<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class =>
        routing is null ? continuation(request, context) : routing.AsyncUnaryCall(request, context, continuation);

    private void Retrying() => metrics?.Retried(service, RetryMetrics.NeverReached);

    private bool ShouldRetry(RpcException e, int attempt, CallOptions callOptions) =>
        IsActive
        && attempt < options.MaxAttempts
        && !callOptions.CancellationToken.IsCancellationRequested
        && (callOptions.Deadline is not { } deadline || deadline > _time.GetUtcNow().UtcDateTime)
        && TransportFailure.NeverReachedServer(e);

    /// <summary>One caller-visible call over successive attempts; status, trailers and disposal follow the latest.</summary>
    /// <remarks>
    /// Per call: this object, the response's async state machine and the caller's call object. The request, context
    /// and continuation live in the state machine only, and the headers task is made on demand.
    /// </remarks>
    private sealed class RetryingUnaryCall<TRequest, TResponse>
        where TRequest : class
        where TResponse : class
    {
        public static readonly Func<object, Task<Metadata>> GetHeaders = static s => ((RetryingUnaryCall<TRequest, TResponse>)s).Headers();
        public static readonly Func<object, Status> GetStatus = static s => ((RetryingUnaryCall<TRequest, TResponse>)s)._current.GetStatus();
        public static readonly Func<object, Metadata> GetTrailers = static s => ((RetryingUnaryCall<TRequest, TResponse>)s)._current.GetTrailers();
        public static readonly Action<object> Dispose = static s => ((RetryingUnaryCall<TRequest, TResponse>)s).DisposeCall();

        private volatile AsyncUnaryCall<TResponse> _current;
        private volatile bool _disposed;
        private Task<Metadata>? _headers;

        public RetryingUnaryCall(
            NeverReachedRetryInterceptor owner,
            AsyncUnaryCall<TResponse> first,
            TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            _current = first;
            ResponseAsync = RunAsync(this, owner, request, context, continuation);
        }

        public Task<TResponse> ResponseAsync { get; }

        /// <summary>The headers of the attempt that ends the call (a refused attempt never has any), made once.</summary>
        private Task<Metadata> Headers()
        {
            var headers = Volatile.Read(ref _headers);
            if (headers is null)
            {
                var made = HeadersAsync();
                headers = Interlocked.CompareExchange(ref _headers, made, null) ?? made;
            }

            return headers;
        }

        private async Task<Metadata> HeadersAsync()
        {
            await ((Task)ResponseAsync).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return await _current.ResponseHeadersAsync.ConfigureAwait(false);
        }

        private void DisposeCall()
        {
            _disposed = true;
            _current.Dispose();
        }

        private static async Task<TResponse> RunAsync(
            RetryingUnaryCall<TRequest, TResponse> self,
            NeverReachedRetryInterceptor owner,
            TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            for (var attempt = 1; ; attempt++)
            {
                var call = self._current;
                try
                {
                    return await call.ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException e) when (!self._disposed && owner.ShouldRetry(e, attempt, context.Options))
                {
                    call.Dispose();
                    owner.Retrying();
                }

                var pause = owner.PauseBefore(attempt);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, owner._time, context.Options.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                var next = owner.Attempt(request, context, continuation);
                self._current = next;
                if (self._disposed)
                {
                    // The caller disposed the call while this attempt was being started.
                    next.Dispose();
                }
            }
        }
    }
}
