using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Connection;

/// <summary>
/// Gets and caches an etcd auth token for a user name and password, and adds it to every call as the
/// <c>token</c> header. The password never leaves this class and is never logged.
/// </summary>
internal sealed partial class EtcdAuthenticator : IDisposable
{
    // etcd's simple tokens live 300 s by default; refreshing well before keeps long idle periods safe.
    private static readonly TimeSpan s_tokenLifetime = TimeSpan.FromSeconds(60);

    private readonly Auth.AuthClient _client;
    private readonly string _username;
    private readonly string _password;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile TokenEntry? _token;

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

    public void Dispose() => _gate.Dispose();

    public async Task AddTokenAsync(AuthInterceptorContext context, Metadata metadata)
    {
        metadata.Add("token", await GetTokenAsync(context.CancellationToken).ConfigureAwait(false));
    }

    private async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var token = _token;
        if (token is not null && token.ExpiresAt > _time.GetUtcNow())
        {
            return token.Value;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            token = _token;
            if (token is not null && token.ExpiresAt > _time.GetUtcNow())
            {
                return token.Value;
            }

            try
            {
                var response = await _client.AuthenticateAsync(
                    new AuthenticateRequest { Name = _username, Password = _password },
                    deadline: _time.GetUtcNow().UtcDateTime + _timeout,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                _token = new TokenEntry(response.Token, _time.GetUtcNow() + s_tokenLifetime);
                return response.Token;
            }
            catch (RpcException ex) when (EtcdCallErrors.IsRejectedCredentials(ex))
            {
                Log.AuthenticationFailed(_logger, _username, ex.Status.Detail);
                throw EtcdCallErrors.AuthenticationRejected(ex, _username);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record TokenEntry(string Value, DateTimeOffset ExpiresAt);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "etcd rejected the credentials of user '{Username}': {Detail}")]
        public static partial void AuthenticationFailed(ILogger logger, string username, string detail);

        [LoggerMessage(2, LogLevel.Debug, "Dropped the etcd auth token of user '{Username}': etcd no longer accepts it")]
        public static partial void TokenDropped(ILogger logger, string username);
    }
}
