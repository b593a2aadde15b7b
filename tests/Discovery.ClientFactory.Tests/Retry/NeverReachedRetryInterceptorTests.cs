using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using System.Diagnostics.Metrics;
using Discovery.ClientFactory.Retry;
using Discovery.Etcd;
using Discovery.Testing.Fakes;
using Discovery.Testing;
using Grpc.Core.Interceptors;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Retry;

public sealed class NeverReachedRetryInterceptorTests
{
    private static readonly Method<string, string> Method = new(
        MethodType.Unary, "echo", "UnaryEcho", Marshallers.StringMarshaller, Marshallers.StringMarshaller);

    private readonly FakeTimeProvider _time;
    private readonly CountedTimers _timers;

    public NeverReachedRetryInterceptorTests()
    {
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _timers = new CountedTimers(_time);
    }

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

        // The pause before the second retry runs on the fake clock: at most InitialBackoff, 50 ms.
        await _timers.WhenCreatedAsync(1);
        _time.Advance(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(3, attempts.Count);
    }

    [Fact]
    public async Task AsyncUnaryCall_EveryAttemptRefused_PausesFollowTheConfiguredBackoff()
    {
        var attempts = new Attempts(Refused(), Refused(), Refused(), Refused(), Refused());
        var options = new DiscoveryRetryOptions { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(150) };
        var call = Call(options, attempts);

        // Ceilings (a draw of 0): 100 ms, then 200 ms capped at 150 ms, twice.
        var across = new[]
        {
            await AcrossPauseAsync(1, TimeSpan.FromMilliseconds(100), attempts),
            await AcrossPauseAsync(2, TimeSpan.FromMilliseconds(150), attempts),
            await AcrossPauseAsync(3, TimeSpan.FromMilliseconds(150), attempts),
        };

        await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(new[] { (true, 3), (true, 4), (true, 5) }, across);
    }

    [Fact]
    public async Task BlockingUnaryCall_EveryAttemptRefused_PausesFollowTheConfiguredBackoff()
    {
        var attempts = new Attempts(Refused(), Refused(), "answer");
        var options = new DiscoveryRetryOptions { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(150) };
        var interceptor = new NeverReachedRetryInterceptor(options, _timers, ScriptedJitter.None);

        var call = Task.Run(() => interceptor.BlockingUnaryCall("hi", Context(null), (_, _) => attempts.Next().ResponseAsync.GetAwaiter().GetResult()));
        var across = await AcrossPauseAsync(1, TimeSpan.FromMilliseconds(100), attempts);

        Assert.Equal("answer", await call);
        Assert.Equal((true, 3), across);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 50)]
    [InlineData(3, 100)]
    [InlineData(4, 200)]
    [InlineData(6, 800)]
    [InlineData(7, 1000)]
    [InlineData(50, 1000)]
    public void PauseBefore_DefaultOptionsNoJitter_DoublesFrom50MillisecondsTo1Second(int retry, int expectedMilliseconds)
    {
        var interceptor = new NeverReachedRetryInterceptor(new DiscoveryRetryOptions(), _time, ScriptedJitter.None);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), interceptor.PauseBefore(retry));
    }

    [Fact]
    public void PauseBefore_HighestDraw_IsNearZero()
    {
        // Full jitter, as grpc-dotnet's retry policy draws its pauses: anywhere under the ceiling.
        var interceptor = new NeverReachedRetryInterceptor(new DiscoveryRetryOptions(), _time, ScriptedJitter.Highest);

        Assert.InRange(interceptor.PauseBefore(4), TimeSpan.Zero, TimeSpan.FromTicks(1));
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
        var interceptor = new NeverReachedRetryInterceptor(new DiscoveryRetryOptions(), _time, ScriptedJitter.None);

        var response = interceptor.BlockingUnaryCall("hi", Context(null), (_, _) => attempts.Next().ResponseAsync.GetAwaiter().GetResult());

        Assert.Equal("answer", response);
        Assert.Equal(2, attempts.Count);
    }

    [Fact]
    public async Task AsyncUnaryCall_FirstAttemptRefused_CountsOneNeverReachedRetry()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meters.GetRequiredService<IMeterFactory>();
        using var retries = new MetricCollector<long>(meterFactory, DiscoveryTelemetry.MeterName, RetryMetrics.RetriesName);
        var interceptor = new NeverReachedRetryInterceptor(new DiscoveryRetryOptions(), _timers, ScriptedJitter.None, new RetryMetrics(meterFactory), "echo");
        var attempts = new Attempts(Refused(), "answer");

        await interceptor.AsyncUnaryCall("hi", Context(null), (_, _) => attempts.Next()).ResponseAsync;

        var retry = Assert.Single(retries.GetMeasurementSnapshot());
        Assert.Equal(1, retry.Value);
        Assert.Equal("never_reached", retry.Tags[RetryMetrics.ReasonAttribute]);
        Assert.Equal("echo", retry.Tags[TelemetryAttributes.Service]);
    }

    private AsyncUnaryCall<string> Call(DiscoveryRetryOptions options, Attempts attempts, DateTime? deadline = null) =>
        new NeverReachedRetryInterceptor(options, _timers, ScriptedJitter.None).AsyncUnaryCall("hi", Context(deadline), (_, _) => attempts.Next());

    /// <summary>
    /// Once pause <paramref name="pauseNumber"/> started, moves the fake clock to 1 ms before it should end, then to
    /// its end: whether it was still running just before, and the attempts made once it ended.
    /// </summary>
    private async Task<(bool RunningJustBefore, int AttemptsAfter)> AcrossPauseAsync(int pauseNumber, TimeSpan pause, Attempts attempts)
    {
        await _timers.WhenCreatedAsync(pauseNumber);
        _time.Advance(pause - TimeSpan.FromMilliseconds(1));
        var running = _timers.Fired < pauseNumber;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        // The first attempt and the immediate first retry come before the first pause.
        await Eventually.UntilAsync(() => attempts.Count >= pauseNumber + 2, TimeSpan.FromSeconds(5), "the attempt after the pause starts");
        return (running, attempts.Count);
    }

    private static ClientInterceptorContext<string, string> Context(DateTime? deadline) =>
        new(Method, null, new CallOptions(deadline: deadline));

    private static RpcException Refused() => new(new Status(
        StatusCode.Unavailable,
        "Error starting gRPC call.",
        new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused", new SocketException((int)SocketError.ConnectionRefused))));

    /// <summary>The outcomes of successive attempts: an exception fails that attempt, a string answers it.</summary>
    private sealed class Attempts(params object[] outcomes)
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public AsyncUnaryCall<string> Next()
        {
            var outcome = outcomes[Interlocked.Increment(ref _count) - 1];
            var response = outcome is Exception e ? Task.FromException<string>(e) : Task.FromResult((string)outcome);
            return new AsyncUnaryCall<string>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }
    }

    /// <summary>
    /// The fake clock, counting the timers created on it and fired, so a test moves time only once a pause started
    /// and sees whether it is still running.
    /// </summary>
    private sealed class CountedTimers(FakeTimeProvider clock) : TimeProvider
    {
        private int _created;
        private int _fired;

        public int Fired => Volatile.Read(ref _fired);

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override long GetTimestamp() => clock.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = clock.CreateTimer(
                s =>
                {
                    Interlocked.Increment(ref _fired);
                    callback(s);
                },
                state,
                dueTime,
                period);
            Interlocked.Increment(ref _created);
            return timer;
        }

        public Task WhenCreatedAsync(int count) =>
            Eventually.UntilAsync(() => Volatile.Read(ref _created) >= count, TimeSpan.FromSeconds(5), $"{count} pause(s) started");
    }
}
