using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Discovery.Etcd.Connection;

/// <summary>
/// One gRPC channel to an etcd cluster, shared by every watcher and lease keeper of the process that uses the same
/// options. It owns what dotnet-etcd's own constructors do not let us set: a short reconnect backoff, HTTP/2 pings
/// that detect a hung member, failover between members, TLS with a custom CA, auth tokens on raw streams, and a
/// watchdog that restarts connection attempts that make no progress. Calls go through dotnet-etcd's generated clients.
/// </summary>
internal sealed partial class EtcdConnection : IDisposable
{
    private static readonly TimeSpan s_maxReconnectBackoff = TimeSpan.FromSeconds(1);

    // How long an Authenticate call waits for its answer before another is sent (to the next member). etcd hashes the
    // password on every Authenticate (bcrypt): tens of milliseconds, a few hundred on a loaded machine.
    private static readonly TimeSpan s_authenticateHedgingDelay = TimeSpan.FromSeconds(1);

    // How long a Range waits for its answer before another is sent (to the next member). A Range is a read, so a
    // second copy costs etcd only the read; a healthy member answers in milliseconds, a listing page of 1,000 keys in
    // tens of them here, so hedges go out only when a member hangs or is far behind.
    private static readonly TimeSpan s_rangeHedgingDelay = TimeSpan.FromMilliseconds(500);

    private readonly GrpcChannel _channel;
    private readonly MemberResolverFactory _members;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;

    // Never faults (see RestartStalledConnectsAsync); Dispose stops it through _stopping.
    private readonly Task _watchdog;
    private readonly ServiceProvider _channelServices;
    private readonly X509Certificate2? _clientCertificate;
    private readonly EtcdAuthenticator? _authenticator;
    private readonly CallCredentials? _callCredentials;
    private readonly TimeProvider _time;
    private int _disposed;

    /// <summary>Opens nothing yet: the channel connects on the first call.</summary>
    /// <param name="options">Validated options (see <see cref="EtcdOptionsValidator"/>).</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="timeProvider">The clock for deadlines and token lifetimes; the system clock when null.</param>
    public EtcdConnection(EtcdOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        KeyPrefix = Records.ServiceKeys.NormalizeKeyPrefix(options.KeyPrefix);
        _time = timeProvider ?? TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<EtcdConnection>();

        var endpoints = options.Endpoints.Select(e => new Uri(e, UriKind.Absolute)).ToArray();
        UsesTls = endpoints.Any(e => e.Scheme == Uri.UriSchemeHttps);
        var addresses = endpoints.Select(e => new BalancerAddress(e.DnsSafeHost, e.Port)).ToArray();

        var handler = new SocketsHttpHandler
        {
            // grpc-dotnet reads this once, while the channel is built, as the limit of a subchannel's whole reconnect
            // loop (backoff included). When the limit ends a loop, the loop reports Idle, round_robin starts a new one
            // at once, and that one returns without connecting if the old one has not yet disposed its context (a
            // race in grpc-dotnet 2.85): the subchannel then stays Connecting with no attempt running, and every
            // call waits until its deadline, for good. Seen under CPU load after an etcd outage longer than the limit
            // (a server that never registered again). So the loops get no limit; RestartStalledConnectsAsync ends an
            // attempt that stalls (a black-holed member) instead, and the limit is set below for the handler's own
            // HTTP/2 and TLS set-up.
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = options.KeepAliveInterval,
            KeepAlivePingTimeout = options.KeepAliveInterval,

            // Pings only while calls are open: etcd's gRPC server (grpc-go, PermitWithoutStream off) counts pings on
            // a connection without streams as abuse and closes it after a few; unary calls have their own deadlines.
            // The interval itself is kept at or above etcd's 5 s minimum by the options validator.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        if (UsesTls)
        {
            handler.SslOptions = CreateSslOptions(options.Tls, out _clientCertificate);
        }

        _members = new MemberResolverFactory(addresses);
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(_members);
        services.AddSingleton<ILoggerFactory>(new WarningsOnlyLoggerFactory(loggerFactory));
        _channelServices = services.BuildServiceProvider();

        _channel = GrpcChannel.ForAddress("static:///etcd", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            Credentials = UsesTls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,

            // etcd's auth tokens travel as call credentials, with or without TLS, as etcd's own clients send them.
            UnsafeUseInsecureChannelCallCredentials = true,
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = s_maxReconnectBackoff,
            MaxReceiveMessageSize = null,
            ServiceProvider = _channelServices,
            ServiceConfig = CreateServiceConfig(addresses.Length),
        });
        handler.ConnectTimeout = options.ConnectTimeout;

        var channelInvoker = _channel.CreateCallInvoker();
        if (!string.IsNullOrEmpty(options.Username))
        {
            _authenticator = new EtcdAuthenticator(
                new Auth.AuthClient(channelInvoker.Intercept(new EtcdCallInterceptor(null, UsesTls))),
                options.Username,
                options.Password ?? string.Empty,
                options.RequestTimeout,
                _time,
                loggerFactory);
            _callCredentials = CallCredentials.FromInterceptor(_authenticator.AddTokenAsync);
        }

        var invoker = channelInvoker.Intercept(new EtcdCallInterceptor(_authenticator, UsesTls));
        KV = new KV.KVClient(invoker);
        Watch = new Watch.WatchClient(invoker);
        Lease = new Lease.LeaseClient(invoker);
        Maintenance = new Maintenance.MaintenanceClient(invoker);
        _watchdog = Task.Run(() => RestartStalledConnectsAsync(_stopping.Token));
    }

    /// <summary>The options this connection was made from.</summary>
    public EtcdOptions Options { get; }

    /// <summary>The normalized key prefix (ends with <c>/</c>, or empty).</summary>
    public string KeyPrefix { get; }

    /// <summary>True when the endpoints are <c>https</c>.</summary>
    public bool UsesTls { get; }

    /// <summary>dotnet-etcd's generated KV client.</summary>
    public KV.KVClient KV { get; }

    /// <summary>dotnet-etcd's generated Watch client (raw bidirectional stream).</summary>
    public Watch.WatchClient Watch { get; }

    /// <summary>dotnet-etcd's generated Lease client (raw keep-alive stream).</summary>
    public Lease.LeaseClient Lease { get; }

    /// <summary>dotnet-etcd's generated Maintenance client (Status).</summary>
    public Maintenance.MaintenanceClient Maintenance { get; }

    /// <summary>Options for a unary call: the configured deadline, the token, auth.</summary>
    public CallOptions UnaryOptions(CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        new(
            deadline: _time.GetUtcNow().UtcDateTime + (timeout ?? Options.RequestTimeout),
            cancellationToken: cancellationToken,
            credentials: _callCredentials);

    /// <summary>Options for a long-lived stream (watch, keep-alive): no deadline, the token, auth.</summary>
    public CallOptions StreamOptions(CancellationToken cancellationToken) =>
        new(cancellationToken: cancellationToken, credentials: _callCredentials);

    /// <summary>
    /// Tells the connection that a call failed; an authentication failure makes the next call fetch a new token
    /// (etcd forgets tokens when it restarts or loses its data). Failures of calls made through this connection's
    /// clients are seen already; this is for errors a caller found or made itself. A denied operation does not drop
    /// the token: etcd answers a token older than its users and roles with "revision of auth store is old", so
    /// "permission denied" is the roles' answer, and a new token would only make etcd hash the password again.
    /// </summary>
    public void ReportFailure(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.StatusCode is StatusCode.Unauthenticated
            || EtcdCallErrors.IsStaleToken(exception)
            || exception.Status.Detail.Contains("auth token", StringComparison.OrdinalIgnoreCase))
        {
            _authenticator?.Invalidate();
        }
    }

    public void Dispose()
    {
        // Idempotent: a DI container disposes an owner registered under two service types twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The watchdog only awaits the channel with this token, so it ends at once and never throws.
        _stopping.Cancel();
        _channel.Dispose();
        _channelServices.Dispose();
        _authenticator?.Dispose();
        _clientCertificate?.Dispose();
        _stopping.Dispose();
    }

    // A connection attempt changes the channel's state within ConnectTimeout (it connects, or fails and backs off for
    // at most MaxReconnectBackoff). A state that stays Connecting or TransientFailure longer is an attempt that hangs
    // (a black-holed member) or no attempt at all (the grpc-dotnet race above): new addresses make grpc-dotnet cancel
    // whatever runs and start afresh, and leave Ready subchannels and their streams alone.
    private async Task RestartStalledConnectsAsync(CancellationToken cancellationToken)
    {
        var stallLimit = Options.ConnectTimeout + s_maxReconnectBackoff;
        try
        {
            while (true)
            {
                var state = _channel.State;
                if (state is ConnectivityState.Shutdown)
                {
                    return;
                }

                if (state is not (ConnectivityState.Connecting or ConnectivityState.TransientFailure))
                {
                    await _channel.WaitForStateChangedAsync(state, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                using var limit = new CancellationTokenSource(stallLimit, _time);
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
                try
                {
                    await _channel.WaitForStateChangedAsync(state, waiting.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.ConnectStalled(_logger, state, stallLimit.TotalMilliseconds);
                    _members.Republish();
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed (the channel may throw ObjectDisposedException as well as the token's cancellation).
        }
        catch (Exception ex)
        {
            Log.WatchdogFailed(_logger, ex);
        }
    }

    private static ServiceConfig CreateServiceConfig(int members)
    {
        // A member that just died fails the calls already routed to it with Unavailable; repeating them lets
        // round_robin send them to a member that lives, within the same deadline. Unavailable does not prove that
        // etcd did nothing, so only methods whose repetition is harmless are repeated: reads, Put (the same value
        // again), DeleteRange, LeaseGrant (an extra lease expires unused). Txn and LeaseRevoke are not (a repeated
        // put-if-absent would fail its compare, a repeated revoke would say "lease not found"), nor streams (a
        // repeated stream buffers what it sends).
        var retry = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = 4,
                InitialBackoff = TimeSpan.FromMilliseconds(50),
                MaxBackoff = TimeSpan.FromMilliseconds(500),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var (service, method) in new[]
        {
            ("etcdserverpb.KV", "Put"),
            ("etcdserverpb.KV", "DeleteRange"),
            ("etcdserverpb.Lease", "LeaseGrant"),
            ("etcdserverpb.Lease", "LeaseTimeToLive"),
            ("etcdserverpb.Lease", "LeaseLeases"),
            ("etcdserverpb.Maintenance", "Status"),
        })
        {
            retry.Names.Add(new MethodName { Service = service, Method = method });
        }

        // Every call of a connection with a user waits for the one Authenticate that fetches the token, so an
        // Authenticate sent to a hung member would hold them all for its whole deadline, and the hedging of the
        // callers' own attempts would not help (each would wait for the same token). With more than one member,
        // Authenticate is hedged instead: another attempt, picked by round_robin (the next member), goes out when
        // the first has not answered within s_authenticateHedgingDelay, and the first token wins (a spare token
        // costs etcd a password hash and expires unused). With one member a hedge could only ask the same member
        // again, adding password hashes to a member that is slow already: Authenticate is then retried as reads are.
        //
        // Range is hedged for the same reason with two members or more: a listing (a watcher's first, or the control
        // record's, which a server reads before it registers) sent to a hung member used to wait out its whole
        // deadline (3 s) and a backoff before the next attempt could meet a member that answers.
        var config = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() }, MethodConfigs = { retry } };
        var authenticate = new MethodName { Service = "etcdserverpb.Auth", Method = "Authenticate" };
        var range = new MethodName { Service = "etcdserverpb.KV", Method = "Range" };
        if (members < 2)
        {
            retry.Names.Add(authenticate);
            retry.Names.Add(range);
            return config;
        }

        config.MethodConfigs.Add(Hedged(authenticate, s_authenticateHedgingDelay, members));
        config.MethodConfigs.Add(Hedged(range, s_rangeHedgingDelay, members));
        return config;
    }

    // A hedged method: another attempt every delay while none has answered, and at once after an Unavailable.
    private static MethodConfig Hedged(MethodName method, TimeSpan delay, int members) => new()
    {
        HedgingPolicy = new HedgingPolicy
        {
            // One more than the members: round_robin's next pick is the next member only when no other call picked
            // in between, so a hedge may meet the hung member again (seen with two members, calls and hedges in
            // step). grpc-dotnet allows 5 attempts at most (GrpcChannelOptions.MaxRetryAttempts).
            MaxAttempts = Math.Min(members + 1, 5),
            HedgingDelay = delay,
            NonFatalStatusCodes = { StatusCode.Unavailable },
        },
        Names = { method },
    };

    private static SslClientAuthenticationOptions CreateSslOptions(EtcdTlsOptions tls, out X509Certificate2? clientCertificate) =>
        TlsClientSettings.Create(tls.CaFile, tls.CertFile, tls.KeyFile, out clientCertificate);

    /// <summary>The etcd members as the channel's fixed address list, which can be published again to restart stalled connects.</summary>
    private sealed class MemberResolverFactory(BalancerAddress[] members) : ResolverFactory
    {
        // Only the generation differs between publications: grpc-dotnet then updates each subchannel's address, which
        // restarts the connect of a subchannel that is not Ready and keeps a Ready one's connection.
        private static readonly BalancerAttributesKey<int> s_generation = new("discovery.etcd.generation");

        private readonly Lock _gate = new();
        private readonly List<Action<ResolverResult>> _listeners = [];
        private int _generation;

        public override string Name => "static";

        public override Resolver Create(ResolverOptions options) => new MemberResolver(this);

        public void Republish()
        {
            Action<ResolverResult>[] listeners;
            lock (_gate)
            {
                _generation++;
                listeners = [.. _listeners];
            }

            foreach (var listener in listeners)
            {
                Publish(listener);
            }
        }

        private void Start(Action<ResolverResult> listener)
        {
            lock (_gate)
            {
                _listeners.Add(listener);
            }

            Publish(listener);
        }

        private void Stop(Action<ResolverResult> listener)
        {
            lock (_gate)
            {
                _listeners.Remove(listener);
            }
        }

        // Outside the lock: the listener takes the channel's own lock.
        private void Publish(Action<ResolverResult> listener)
        {
            var generation = Volatile.Read(ref _generation);
            var addresses = new BalancerAddress[members.Length];
            for (var i = 0; i < members.Length; i++)
            {
                addresses[i] = new BalancerAddress(members[i].EndPoint.Host, members[i].EndPoint.Port);
                addresses[i].Attributes.Set(s_generation, generation);
            }

            listener(ResolverResult.ForResult(addresses));
        }

        private sealed class MemberResolver(MemberResolverFactory members) : Resolver
        {
            private Action<ResolverResult>? _listener;

            public override void Start(Action<ResolverResult> listener)
            {
                _listener = listener;
                members.Start(listener);
            }

            protected override void Dispose(bool disposing)
            {
                if (_listener is { } listener)
                {
                    members.Stop(listener);
                }

                base.Dispose(disposing);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The etcd channel stayed {State} for {LimitMs:0} ms without connecting; restarting its connection attempts")]
        public static partial void ConnectStalled(ILogger logger, ConnectivityState state, double limitMs);

        [LoggerMessage(2, LogLevel.Error, "The etcd channel's connection watchdog failed; stalled connection attempts are no longer restarted")]
        public static partial void WatchdogFailed(ILogger logger, Exception exception);
    }
}
