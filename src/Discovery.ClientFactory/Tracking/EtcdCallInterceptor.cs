using Discovery.ClientFactory.Routing;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Discovery.ClientFactory.Tracking;

/// <summary>
/// Hands each call's routing (from its metadata and the ambient scope) to the picker, and for the call-tracking
/// pickers reports the call's real outcome back: grpc-dotnet's call tracker completes at the response headers and
/// never sees a status sent in trailers. A call with nothing to route on an untracked picker passes untouched.
/// Streaming calls are routed but not tracked: their lifetime is the caller's, not the server's.
/// </summary>
internal sealed class EtcdCallInterceptor(bool tracksLoad, TimeProvider time) : Interceptor
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Enter(context.Options.Headers, tracksLoad, out var previous);
        if (call is null)
        {
            return continuation(request, context);
        }

        try
        {
            var response = continuation(request, context);
            call.Complete(StatusCode.OK, time.GetTimestamp());
            return response;
        }
        catch (RpcException e)
        {
            call.Complete(e.StatusCode, time.GetTimestamp());
            throw;
        }
        finally
        {
            CallContext.Current = previous;
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Enter(context.Options.Headers, tracksLoad, out var previous);
        if (call is null)
        {
            return continuation(request, context);
        }

        AsyncUnaryCall<TResponse> inner;
        try
        {
            inner = continuation(request, context);
        }
        finally
        {
            CallContext.Current = previous;
        }

        if (!call.TracksLoad)
        {
            return inner;
        }

        return new AsyncUnaryCall<TResponse>(
            ObserveAsync(inner.ResponseAsync, call), inner.ResponseHeadersAsync, inner.GetStatus, inner.GetTrailers, inner.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Enter(context.Options.Headers, tracksLoad: false, out var previous);
        try
        {
            return continuation(request, context);
        }
        finally
        {
            if (call is not null)
            {
                CallContext.Current = previous;
            }
        }
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Enter(context.Options.Headers, tracksLoad: false, out var previous);
        try
        {
            return continuation(context);
        }
        finally
        {
            if (call is not null)
            {
                CallContext.Current = previous;
            }
        }
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Enter(context.Options.Headers, tracksLoad: false, out var previous);
        try
        {
            return continuation(context);
        }
        finally
        {
            if (call is not null)
            {
                CallContext.Current = previous;
            }
        }
    }

    /// <summary>Sets the call's context when it has routing or is tracked; null (and nothing set) otherwise.</summary>
    private static CallContext? Enter(Metadata? headers, bool tracksLoad, out CallContext? previous)
    {
        previous = CallContext.Current;
        var routing = CallRouting.Resolve(headers);
        if (routing.IsEmpty && !tracksLoad)
        {
            if (previous is not null)
            {
                // A call started while an outer call's context flows (a call made from inside another's pick path)
                // must not inherit that call's routing.
                CallContext.Current = null;
                return new CallContext(routing, false);
            }

            return null;
        }

        var call = new CallContext(routing, tracksLoad);
        CallContext.Current = call;
        return call;
    }

    private async Task<TResponse> ObserveAsync<TResponse>(Task<TResponse> response, CallContext call)
    {
        try
        {
            var result = await response.ConfigureAwait(false);
            call.Complete(StatusCode.OK, time.GetTimestamp());
            return result;
        }
        catch (RpcException e)
        {
            call.Complete(e.StatusCode, time.GetTimestamp());
            throw;
        }
        catch (OperationCanceledException)
        {
            call.Complete(StatusCode.Cancelled, time.GetTimestamp());
            throw;
        }
    }
}
