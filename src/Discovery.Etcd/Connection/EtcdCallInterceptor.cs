using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Discovery.Etcd.Connection;

/// <summary>
/// Sits on every call of an <see cref="EtcdConnection"/>: makes TLS failures say what is wrong
/// (<see cref="EtcdCallErrors"/>), and when etcd no longer knows the auth token (it restarted, or the auth store
/// changed) drops the token so the next call authenticates again; a unary call that failed that way is repeated
/// once at once, as etcd's Go client does, since etcd rejected it before doing anything.
/// </summary>
internal sealed class EtcdCallInterceptor : Interceptor
{
    private readonly EtcdAuthenticator? _authenticator;
    private readonly bool _usesTls;

    public EtcdCallInterceptor(EtcdAuthenticator? authenticator, bool usesTls)
    {
        _authenticator = authenticator;
        _usesTls = usesTls;
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var attempt = new CurrentCall<TResponse>(continuation(request, context));
        var response = CompleteAsync(request, context, continuation, attempt);
        return new AsyncUnaryCall<TResponse>(
            response,
            attempt.ResponseHeadersAsync(response),
            attempt.GetStatus,
            attempt.GetTrailers,
            attempt.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            call.RequestStream,
            new TranslatingReader<TResponse>(call.ResponseStream, this),
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(
            new TranslatingReader<TResponse>(call.ResponseStream, this),
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            call.Dispose);
    }

    /// <summary>Drops a stale token and returns the error to throw.</summary>
    internal RpcException Observe(RpcException exception)
    {
        if (_authenticator is not null && EtcdCallErrors.IsStaleToken(exception))
        {
            _authenticator.Invalidate();
        }

        return EtcdCallErrors.Translate(exception, _usesTls);
    }

    private async Task<TResponse> CompleteAsync<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation,
        CurrentCall<TResponse> attempt)
        where TRequest : class
        where TResponse : class
    {
        try
        {
            return await attempt.Call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex) when (_authenticator is not null && context.Options.Credentials is not null && EtcdCallErrors.IsStaleToken(ex))
        {
            _authenticator.Invalidate();
        }
        catch (RpcException ex)
        {
            throw Observe(ex);
        }

        attempt.Replace(continuation(request, context));
        try
        {
            return await attempt.Call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Observe(ex);
        }
    }

    /// <summary>The attempt a repeated unary call is on, for the status, trailers and disposal of the whole call.</summary>
    private sealed class CurrentCall<TResponse>(AsyncUnaryCall<TResponse> call)
    {
        public AsyncUnaryCall<TResponse> Call { get; private set; } = call;

        public void Replace(AsyncUnaryCall<TResponse> next)
        {
            var previous = Call;
            Call = next;
            previous.Dispose();
        }

        public async Task<Metadata> ResponseHeadersAsync(Task response)
        {
            // The headers of the attempt that answered, known once the (unary) call ended.
            try
            {
                await response.ConfigureAwait(false);
            }
            catch (RpcException)
            {
                // The headers task of the last attempt reports the failure itself.
            }

            return await Call.ResponseHeadersAsync.ConfigureAwait(false);
        }

        public Status GetStatus() => Call.GetStatus();

        public Metadata GetTrailers() => Call.GetTrailers();

        public void Dispose() => Call.Dispose();
    }

    private sealed class TranslatingReader<T>(IAsyncStreamReader<T> inner, EtcdCallInterceptor owner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw owner.Observe(ex);
            }
        }
    }
}
