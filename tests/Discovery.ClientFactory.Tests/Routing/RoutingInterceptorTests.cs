using Discovery.ClientFactory;
using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Routing;
using Discovery.Testing;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Routing;

public sealed class RoutingInterceptorTests
{
    private static readonly Metadata s_routed = new Metadata().WithVersion("v2").WithHashKey("customer-7");
    private readonly RoutingInterceptor _interceptor = new(tracksLoad: true);
    private readonly FakeTimeProvider _time = new();

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

    [Fact]
    public async Task AsyncUnaryCall_TrackedPick_EndsTheCallWhenTheResponseCompletes()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));
        var response = new TaskCompletionSource<string>();

        var call = _interceptor.AsyncUnaryCall("ping", Context<string, string>(MethodType.Unary), (_, _) =>
        {
            CallContext.Current!.Attach(load.StartCall(timed: true, CoarseClock.Milliseconds(_time)));
            return new AsyncUnaryCall<string>(response.Task, null!, null!, null!, static () => { });
        });
        var inFlightWhilePending = load.InFlight;
        _time.Advance(TimeSpan.FromMilliseconds(7));
        response.SetResult("pong");

        await Eventually.UntilAsync(() => load.InFlight == 0, TimeSpan.FromSeconds(10), "the call's end is reported");
        Assert.Equal((1L, 7_000_000L, "pong"), (inFlightWhilePending, load.LagNanoseconds, await call.ResponseAsync));
        Assert.Null(CallContext.Current);
    }

    [Fact]
    public void AsyncUnaryCall_StartThrowsAfterThePick_EndsTheTrackedCall()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));

        Assert.Throws<ObjectDisposedException>(() => _interceptor.AsyncUnaryCall<string, string>("ping", Context<string, string>(MethodType.Unary), (_, _) =>
        {
            CallContext.Current!.Attach(load.StartCall(timed: false, 0));
            throw new ObjectDisposedException("channel");
        }));

        Assert.Equal(0, load.InFlight);
        Assert.Null(CallContext.Current);
    }

    [Fact]
    public void BlockingUnaryCall_Fails_ReportsItsStatusToTheTimedCall()
    {
        var load = new EndpointLoad(_time, TimeSpan.FromSeconds(10));

        Assert.Throws<RpcException>(() => _interceptor.BlockingUnaryCall<string, string>("ping", Context<string, string>(MethodType.Unary), (_, _) =>
        {
            CallContext.Current!.Attach(load.StartCall(timed: true, CoarseClock.Milliseconds(_time)));
            _time.Advance(TimeSpan.FromMilliseconds(3));
            throw new RpcException(new Status(StatusCode.Unavailable, "down"));
        }));

        Assert.Equal((0L, 0L, 3_000_000L), (load.InFlight, load.Success, load.LagNanoseconds));
    }

    private static void AssertRoutedUntracked(CallContext? seen)
    {
        Assert.NotNull(seen);
        Assert.Equal(("v2", "customer-7", (string?)null), (seen.Routing.Version, seen.Routing.HashKey, seen.Routing.InstanceId));
        Assert.False(seen.TracksLoad);
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
