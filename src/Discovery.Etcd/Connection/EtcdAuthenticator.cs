using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Connection;

/// <summary>
/// Gets and caches an etcd auth token for a user name and password, and adds it to every call as the
/// <c>token</c> header. The password never leaves this class and is never logged.
/// </summary>
/// <remarks>
/// One Authenticate runs at a time, for every call that waits for a token, under its own deadline
/// (<see cref="EtcdOptions.RequestTimeout"/>) and not any one caller's: a caller whose own deadline passes stops
/// waiting, and the token still serves the calls after it. Were the Authenticate bound to its first caller's shorter
/// deadline, an Authenticate routed to a hung member would end before the channel's hedging sends it to another, and
/// with two members round_robin could route every repeat to the hung one.
/// </remarks>
internal sealed partial class EtcdAuthenticator : IDisposable
{
    // etcd's simple tokens live 300 s by default; refreshing well before keeps long idle periods safe.
    private static readonly TimeSpan s_tokenLifetime = TimeSpan.FromSeconds(60);

    // Past the call's own deadline, how long a fetch may run before this class ends it itself.
    private static readonly TimeSpan s_fetchGrace = TimeSpan.FromSeconds(1);

    private readonly Auth.AuthClient _client;
    private readonly string _username;
    private readonly string _password;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposing = new();
    private volatile TokenEntry? _token;
    private Task<TokenEntry>? _fetch;

    public EtcdAuthenticator(
        Auth.AuthClient client,
        string username,
        string password,
        TimeSpan timeout,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _client = client;
        _username = username;
        _password = password;
        _timeout = timeout;
        _time = time;
        _logger = loggerFactory.CreateLogger<EtcdAuthenticator>();
    }

    /// <summary>Drops the cached token: the next call authenticates again.</summary>
    public void Invalidate()
    {
        if (Interlocked.Exchange(ref _token, null) is not null)
        {
            Log.TokenDropped(_logger, _username);
        }
    }

    // Cancels a running Authenticate. The source is not disposed (it has no timer): a call racing the disposal
    // still reads its token and fails as cancelled.
    public void Dispose() => _disposing.Cancel();

    public async Task AddTokenAsync(AuthInterceptorContext context, Metadata metadata)
    {
        if (await GetTokenAsync(context.CancellationToken).ConfigureAwait(false) is { } token)
        {
            metadata.Add("token", token);
        }
    }

    /// <summary>The token to send, or null while etcd has auth off.</summary>
    private async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        var token = _token;
        if (token is not null && token.ExpiresAt > _time.GetUtcNow())
        {
            return token.Value;
        }

        Task<TokenEntry> fetch;
        lock (_gate)
        {
            token = _token;
            if (token is not null && token.ExpiresAt > _time.GetUtcNow())
            {
                return token.Value;
            }

            // A fetch that ended (with a token since dropped or expired, or with an error) is not reused.
            if (_fetch is null || _fetch.IsCompleted)
            {
                _fetch = FetchAsync(_disposing.Token);
            }

            fetch = _fetch;
        }

        return (await fetch.WaitAsync(cancellationToken).ConfigureAwait(false)).Value;
    }

    private async Task<TokenEntry> FetchAsync(CancellationToken cancellationToken)
    {
        // Off the caller's stack: the lock above is held while this starts.
        await Task.Yield();
        var started = _time.GetTimestamp();
        try
        {
            // Bounded by this class's own clock as well as by the call's deadline: every caller waits for this fetch,
            // and only its end lets the next call start another.
            using var call = _client.AuthenticateAsync(
                new AuthenticateRequest { Name = _username, Password = _password },
                deadline: _time.GetUtcNow().UtcDateTime + _timeout,
                cancellationToken: cancellationToken);
            var response = await call.ResponseAsync.WaitAsync(_timeout + s_fetchGrace, _time, cancellationToken).ConfigureAwait(false);
            var token = new TokenEntry(response.Token, _time.GetUtcNow() + s_tokenLifetime);
            _token = token;
            Log.TokenFetched(_logger, _username, _time.GetElapsedTime(started).TotalMilliseconds);
            return token;
        }
        catch (TimeoutException)
        {
            Log.FetchFailed(_logger, _username, $"no answer within {(_timeout + s_fetchGrace).TotalSeconds:0.#} s");
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"etcd did not answer the Authenticate of user '{_username}' in time"));
        }
        catch (RpcException ex) when (EtcdCallErrors.IsAuthNotEnabled(ex))
        {
            // As etcd's Go client does: with auth off etcd needs no token, so calls go without one. Should auth be
            // turned on again, a call without a token is answered "user name is empty", which drops this entry
            // (EtcdCallErrors.IsStaleToken) so the next call authenticates.
            Log.AuthNotEnabled(_logger, _username);
            var none = new TokenEntry(null, _time.GetUtcNow() + s_tokenLifetime);
            _token = none;
            return none;
        }
        catch (RpcException ex) when (EtcdCallErrors.IsRejectedCredentials(ex))
        {
            Log.AuthenticationFailed(_logger, _username, ex.Status.Detail);
            throw EtcdCallErrors.AuthenticationRejected(ex, _username);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.FetchFailed(_logger, _username, $"{ex.StatusCode}: {ex.Status.Detail}");
            throw;
        }
    }

    /// <summary>A token and when to renew it; a null <paramref name="Value"/> while etcd has auth off.</summary>
    private sealed record TokenEntry(string? Value, DateTimeOffset ExpiresAt);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "etcd rejected the credentials of user '{Username}': {Detail}")]
        public static partial void AuthenticationFailed(ILogger logger, string username, string detail);

        [LoggerMessage(2, LogLevel.Debug, "Dropped the etcd auth token of user '{Username}': etcd no longer accepts it")]
        public static partial void TokenDropped(ILogger logger, string username);

        [LoggerMessage(5, LogLevel.Debug, "Got an etcd auth token for user '{Username}' in {ElapsedMs:0} ms")]
        public static partial void TokenFetched(ILogger logger, string username, double elapsedMs);

        [LoggerMessage(4, LogLevel.Information, "No etcd auth token for user '{Username}' yet ({Reason}); the next call asks again")]
        public static partial void FetchFailed(ILogger logger, string username, string reason);

        [LoggerMessage(3, LogLevel.Warning, "etcd has authentication off, so calls go without logging in as user '{Username}' (as etcd's own clients do): anyone who reaches etcd may write any key. Was its data lost? Restore its users and roles and run 'etcdctl auth enable'")]
        public static partial void AuthNotEnabled(ILogger logger, string username);
    }
}
