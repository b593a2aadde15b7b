using Discovery.Etcd.Connection;
using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.Etcd.Tests.Connection;

/// <summary>Token caching and credential errors, with a fake etcd Auth service and a fake clock.</summary>
public sealed class EtcdAuthenticatorTests
{
    private const string Password = "pa55-never-shown";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly FakeAuthInvoker _etcd = new();

    [Fact]
    public async Task AddTokenAsync_TwiceWithinTheTokenLifetime_AuthenticatesOnce()
    {
        using var authenticator = Create();

        var first = await TokenAsync(authenticator);
        _time.Advance(TimeSpan.FromSeconds(59));
        var second = await TokenAsync(authenticator);

        Assert.Equal(1, _etcd.Calls);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task AddTokenAsync_AfterTheTokenLifetime_AuthenticatesAgain()
    {
        using var authenticator = Create();
        await TokenAsync(authenticator);

        _time.Advance(TimeSpan.FromSeconds(61));
        var token = await TokenAsync(authenticator);

        Assert.Equal(2, _etcd.Calls);
        Assert.Equal("token-2", token);
    }

    [Fact]
    public async Task AddTokenAsync_AfterInvalidate_AuthenticatesAgain()
    {
        using var authenticator = Create();
        await TokenAsync(authenticator);

        authenticator.Invalidate();
        await TokenAsync(authenticator);

        Assert.Equal(2, _etcd.Calls);
    }

    [Fact]
    public async Task AddTokenAsync_ManyConcurrentCalls_AuthenticateOnce()
    {
        using var authenticator = Create();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => TokenAsync(authenticator)));

        Assert.Equal(1, _etcd.Calls);
    }

    [Fact]
    public async Task AddTokenAsync_CredentialsRejected_ThrowsUnauthenticatedNamingTheUserAndNotThePassword()
    {
        _etcd.Reject = true;
        using var authenticator = Create();

        var exception = await Assert.ThrowsAsync<RpcException>(() => TokenAsync(authenticator));

        Assert.Equal(StatusCode.Unauthenticated, exception.StatusCode);
        Assert.StartsWith(EtcdCallErrors.AuthenticationFailed, exception.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("user 'svc'", exception.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddTokenAsync_FirstCallerStopsWaiting_TheAuthenticateGoesOnAndServesTheNextCaller()
    {
        // A call whose own deadline passes while etcd is slow to answer Authenticate (a hung member, before the
        // channel hedges the Authenticate to another) must not take the Authenticate down with it.
        _etcd.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var authenticator = Create();
        using var firstCallerGivesUp = new CancellationTokenSource();
        var first = TokenAsync(authenticator, firstCallerGivesUp.Token);
        await Discovery.Testing.Eventually.UntilAsync(() => _etcd.Calls == 1, TimeSpan.FromSeconds(5), "the Authenticate sent");

        await firstCallerGivesUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        var second = TokenAsync(authenticator);
        _etcd.Hold.SetResult();

        Assert.Equal("token-1", await second);
        Assert.Equal(1, _etcd.Calls);
        Assert.False(_etcd.LastCancellationToken.IsCancellationRequested);
    }

    [Fact]
    public async Task AddTokenAsync_AuthenticateNeverAnswers_EndsPastItsDeadlineAndTheNextCallAsksAgain()
    {
        // Every call waits for the one running Authenticate: should its answer never come (nor its deadline's end),
        // the authenticator's own clock ends it, or no call of the connection would ever get a token.
        _etcd.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var authenticator = Create();
        var first = TokenAsync(authenticator);
        await Discovery.Testing.Eventually.UntilAsync(() => _etcd.Calls == 1, TimeSpan.FromSeconds(5), "the Authenticate sent");

        _time.Advance(TimeSpan.FromSeconds(6));

        var e = await Assert.ThrowsAsync<RpcException>(() => first);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        _etcd.Hold = null;
        Assert.Equal("token-2", await TokenAsync(authenticator));
    }

    [Fact]
    public async Task AddTokenAsync_AfterAFailedAuthenticate_AuthenticatesAgain()
    {
        _etcd.Reject = true;
        using var authenticator = Create();
        await Assert.ThrowsAsync<RpcException>(() => TokenAsync(authenticator));

        _etcd.Reject = false;

        Assert.Equal("token-2", await TokenAsync(authenticator));
    }

    [Fact]
    public async Task AddTokenAsync_EtcdHasAuthOff_AddsNoTokenUntilInvalidated()
    {
        _etcd.AuthOff = true;
        using var authenticator = Create();

        Assert.Null(await TokenAsync(authenticator));
        Assert.Null(await TokenAsync(authenticator));
        Assert.Equal(1, _etcd.Calls);

        _etcd.AuthOff = false;
        authenticator.Invalidate();

        Assert.Equal("token-2", await TokenAsync(authenticator));
    }

    [Fact]
    public async Task Authenticate_Always_CarriesADeadlineFromTheClock()
    {
        using var authenticator = Create();

        await TokenAsync(authenticator);

        Assert.Equal(_time.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(5), _etcd.LastDeadline);
    }

    private EtcdAuthenticator Create() =>
        new(new Auth.AuthClient(_etcd), "svc", Password, TimeSpan.FromSeconds(5), _time, NullLoggerFactory.Instance);

    private static async Task<string?> TokenAsync(EtcdAuthenticator authenticator, CancellationToken cancellationToken = default)
    {
        var metadata = new Metadata();
        await authenticator.AddTokenAsync(new AuthInterceptorContext("static:///etcd", "/etcdserverpb.KV/Put", cancellationToken), metadata);
        return metadata.GetValue("token");
    }

    private sealed class FakeAuthInvoker : CallInvoker
    {
        private int _calls;

        public int Calls => _calls;

        public bool Reject { get; set; }

        public bool AuthOff { get; set; }

        public DateTime? LastDeadline { get; private set; }

        public CancellationToken LastCancellationToken { get; private set; }

        /// <summary>When set, every answer waits for it.</summary>
        public TaskCompletionSource? Hold { get; set; }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            LastDeadline = options.Deadline;
            LastCancellationToken = options.CancellationToken;
            var call = Interlocked.Increment(ref _calls);
            var reject = Reject;
            var authOff = AuthOff;
            var hold = Hold?.Task ?? Task.CompletedTask;
            var response = AnswerAsync();
            return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

            async Task<TResponse> AnswerAsync()
            {
                await hold.WaitAsync(options.CancellationToken);
                if (authOff)
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, "etcdserver: authentication is not enabled"));
                }

                return reject
                    ? throw new RpcException(new Status(StatusCode.InvalidArgument, "etcdserver: authentication failed, invalid user ID or password"))
                    : (TResponse)(object)new AuthenticateResponse { Token = $"token-{call}" };
            }
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();
    }
}
