using Discovery.ClientFactory;
using Discovery.ClientFactory.Tracking;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Discovery.ClientFactory.Tests.Tracking;

public sealed class EtcdCallInterceptorTests
{
    private static readonly Metadata s_routed = new Metadata().WithVersion("v2").WithHashKey("customer-7");
    private readonly EtcdCallInterceptor _interceptor = new(tracksLoad: true, TimeProvider.System);

    [Fact]
    public void AsyncServerStreamingCall_WithRoutingHeaders_PickSeesThemUntrackedAndTheSlotIsRestored()
    {
        CallContext? seen = null;
        var context = Context<string, string>(MethodType.ServerStreaming);

        _interceptor.AsyncServerStreamingCall("ping", context, (_, _) =>
        {
            seen = CallContext.Current;
            return new AsyncServerStreamingCall<string>(null!, null!, null!, null!, static () => { });
        });

        AssertRoutedUntracked(seen);
    }

    [Fact]
    public void AsyncClientStreamingCall_WithRoutingHeaders_PickSeesThemUntrackedAndTheSlotIsRestored()
    {
        CallContext? seen = null;
        var context = Context<string, string>(MethodType.ClientStreaming);

        _interceptor.AsyncClientStreamingCall(context, _ =>
        {
            seen = CallContext.Current;
            return new AsyncClientStreamingCall<string, string>(null!, null!, null!, null!, null!, static () => { });
        });

        AssertRoutedUntracked(seen);
    }

    [Fact]
    public void AsyncDuplexStreamingCall_WithRoutingHeaders_PickSeesThemUntrackedAndTheSlotIsRestored()
    {
        CallContext? seen = null;
        var context = Context<string, string>(MethodType.DuplexStreaming);

        _interceptor.AsyncDuplexStreamingCall(context, _ =>
        {
            seen = CallContext.Current;
            return new AsyncDuplexStreamingCall<string, string>(null!, null!, null!, null!, null!, static () => { });
        });

        AssertRoutedUntracked(seen);
    }

    [Fact]
    public void AsyncServerStreamingCall_StartThrows_TheSlotIsRestored()
    {
        var context = Context<string, string>(MethodType.ServerStreaming);

        Assert.Throws<InvalidOperationException>(() => _interceptor.AsyncServerStreamingCall<string, string>(
            "ping", context, (_, _) => throw new InvalidOperationException("start failed")));

        Assert.Null(CallContext.Current);
    }

    private static void AssertRoutedUntracked(CallContext? seen)
    {
        Assert.NotNull(seen);
        Assert.Equal(("v2", "customer-7", (string?)null), (seen.Routing.Version, seen.Routing.HashKey, seen.Routing.InstanceId));
        Assert.Null(seen.Tracking);
        Assert.Null(CallContext.Current);
    }

    private static ClientInterceptorContext<TRequest, TResponse> Context<TRequest, TResponse>(MethodType type)
        where TRequest : class
        where TResponse : class =>
        new(
            new Method<TRequest, TResponse>(
                type, "grpc.examples.echo.Echo", "Stream", Marshallers.Create<TRequest>(_ => [], _ => null!), Marshallers.Create<TResponse>(_ => [], _ => null!)),
            null,
            new CallOptions(headers: s_routed));
}
