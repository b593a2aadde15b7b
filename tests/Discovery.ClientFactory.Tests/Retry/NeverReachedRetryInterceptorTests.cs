using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using Discovery.ClientFactory.Retry;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Retry;

public sealed class NeverReachedRetryInterceptorTests
{
    private static readonly Method<string, string> Method = new(
        MethodType.Unary, "echo", "UnaryEcho", Marshallers.StringMarshaller, Marshallers.StringMarshaller);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task AsyncUnaryCall_FirstAttemptRefused_SendsAgainAndReturnsTheAnswer()
    {
        var attempts = new Attempts(Refused(), "answer");

        var response = await Call(new DiscoveryRetryOptions(), attempts).ResponseAsync;

        Assert.Equal("answer", response);
        Assert.Equal(2, attempts.Count);
    }

    [Fact]
    public async Task AsyncUnaryCall_FailureAfterSending_IsNotRetried()
    {
        var reset = new RpcException(new Status(StatusCode.Unavailable, "reset", new IOException("Connection reset")));
        var attempts = new Attempts(reset, "answer");

        var e = await Assert.ThrowsAsync<RpcException>(() => Call(new DiscoveryRetryOptions(), attempts).ResponseAsync);

        Assert.Same(reset, e);
        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public async Task AsyncUnaryCall_EveryAttemptRefused_StopsAtMaxAttempts()
    {
        var attempts = new Attempts(Refused(), Refused(), Refused(), Refused());
        var call = Call(new DiscoveryRetryOptions { MaxAttempts = 3 }, attempts);

        // The pause before the second retry runs on the fake clock; a real deadline ends the loop if the call never does.
        var real = Stopwatch.StartNew();
        while (!call.ResponseAsync.IsCompleted)
        {
            Assert.True(real.Elapsed < TimeSpan.FromSeconds(10), "the call did not end within 10 s of real time");
            _time.Advance(NeverReachedRetryInterceptor.RetryPause);
            await Task.Yield();
        }

        await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(3, attempts.Count);
    }

    [Fact]
    public async Task AsyncUnaryCall_OptionOff_IsNotRetried()
    {
        var attempts = new Attempts(Refused(), "answer");

        await Assert.ThrowsAsync<RpcException>(() => Call(new DiscoveryRetryOptions { NeverReached = false }, attempts).ResponseAsync);

        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public async Task AsyncUnaryCall_RetryPolicyOn_LeavesTheRetryToGrpc()
    {
        var attempts = new Attempts(Refused(), "answer");

        await Assert.ThrowsAsync<RpcException>(() => Call(new DiscoveryRetryOptions { Unavailable = true }, attempts).ResponseAsync);

        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public async Task AsyncUnaryCall_DeadlinePassed_IsNotRetried()
    {
        var attempts = new Attempts(Refused(), "answer");
        var deadline = _time.GetUtcNow().UtcDateTime.AddSeconds(-1);

        await Assert.ThrowsAsync<RpcException>(() => Call(new DiscoveryRetryOptions(), attempts, deadline).ResponseAsync);

        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public void BlockingUnaryCall_FirstAttemptRefused_SendsAgainAndReturnsTheAnswer()
    {
        var attempts = new Attempts(Refused(), "answer");
        var interceptor = new NeverReachedRetryInterceptor(new DiscoveryRetryOptions(), _time);

        var response = interceptor.BlockingUnaryCall("hi", Context(null), (_, _) => attempts.Next().ResponseAsync.GetAwaiter().GetResult());

        Assert.Equal("answer", response);
        Assert.Equal(2, attempts.Count);
    }

    private AsyncUnaryCall<string> Call(DiscoveryRetryOptions options, Attempts attempts, DateTime? deadline = null) =>
        new NeverReachedRetryInterceptor(options, _time).AsyncUnaryCall("hi", Context(deadline), (_, _) => attempts.Next());

    private static ClientInterceptorContext<string, string> Context(DateTime? deadline) =>
        new(Method, null, new CallOptions(deadline: deadline));

    private static RpcException Refused() => new(new Status(
        StatusCode.Unavailable,
        "Error starting gRPC call.",
        new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused", new SocketException((int)SocketError.ConnectionRefused))));

    /// <summary>The outcomes of successive attempts: an exception fails that attempt, a string answers it.</summary>
    private sealed class Attempts(params object[] outcomes)
    {
        public int Count { get; private set; }

        public AsyncUnaryCall<string> Next()
        {
            var outcome = outcomes[Count++];
            var response = outcome is Exception e ? Task.FromException<string>(e) : Task.FromResult((string)outcome);
            return new AsyncUnaryCall<string>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }
    }
}
