using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Registration;

/// <summary>The gRPC calls the server is serving now, for drain: one interlocked increment and decrement a call.</summary>
internal sealed class InFlightCalls
{
    private int _count;
    private volatile TaskCompletionSource? _zero;

    public int Count => Volatile.Read(ref _count);

    public void Enter() => Interlocked.Increment(ref _count);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            _zero?.TrySetResult();
        }
    }

    /// <summary>Completes when no call is in flight (at once when none is).</summary>
    public async Task WaitForZeroAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var zero = _zero;
            if (zero is null || zero.Task.IsCompleted)
            {
                zero = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _zero = zero;
            }

            // Read after publishing the waiter: a call ending before this read is seen here, one after it completes it.
            if (Count == 0)
            {
                return;
            }

            await zero.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Counts every gRPC call in <see cref="InFlightCalls"/> but the gRPC health service's (a health <c>Watch</c> lasts
/// as long as its client, and must not hold a drain).
/// </summary>
internal sealed class InFlightCallsInterceptor(InFlightCalls calls) : Interceptor
{
    private const string HealthService = "/grpc.health.v1.Health/";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        if (IsHealth(context))
        {
            return await continuation(request, context).ConfigureAwait(false);
        }

        calls.Enter();
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        finally
        {
            calls.Exit();
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        calls.Enter();
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        finally
        {
            calls.Exit();
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        if (IsHealth(context))
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }

        calls.Enter();
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        finally
        {
            calls.Exit();
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        calls.Enter();
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        finally
        {
            calls.Exit();
        }
    }

    private static bool IsHealth(ServerCallContext context) => context.Method.StartsWith(HealthService, StringComparison.Ordinal);
}

/// <summary>Adds <see cref="InFlightCallsInterceptor"/> to every gRPC service, once.</summary>
internal sealed class InFlightCallsInterceptorSetup : IConfigureOptions<GrpcServiceOptions>
{
    public static readonly InFlightCallsInterceptorSetup Instance = new();

    public void Configure(GrpcServiceOptions options) => options.Interceptors.Add<InFlightCallsInterceptor>();
}
