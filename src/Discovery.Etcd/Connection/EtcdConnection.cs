using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Etcdserverpb;
using Grpc.Core;
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
/// that detect a hung member, failover between members, TLS with a custom CA, and auth tokens on raw streams.
/// Calls go through dotnet-etcd's generated clients.
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly EtcdAuthenticator? _authenticator;
    private readonly CallCredentials? _callCredentials;

    public EtcdConnection(EtcdOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        KeyPrefix = Records.ServiceKeys.NormalizeKeyPrefix(options.KeyPrefix);

        var endpoints = options.Endpoints.Select(e => new Uri(e, UriKind.Absolute)).ToArray();
        var useTls = endpoints.Any(e => e.Scheme == Uri.UriSchemeHttps);
        var addresses = endpoints.Select(e => new BalancerAddress(e.Host, e.Port)).ToArray();

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAliveInterval,
            KeepAlivePingTimeout = options.KeepAliveInterval,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        if (useTls)
        {
            handler.SslOptions = CreateSslOptions(options.Tls);
        }

        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        if (loggerFactory is not null)
        {
            services.AddSingleton(loggerFactory);
        }

        _channel = GrpcChannel.ForAddress("static:///etcd", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            Credentials = useTls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            UnsafeUseInsecureChannelCallCredentials = true,
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromSeconds(1),
            MaxReceiveMessageSize = null,
            ServiceProvider = services.BuildServiceProvider(),
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
        });

        var invoker = _channel.CreateCallInvoker();
        KV = new KV.KVClient(invoker);
        Watch = new Watch.WatchClient(invoker);
        Lease = new Lease.LeaseClient(invoker);
        Maintenance = new Maintenance.MaintenanceClient(invoker);

        if (!string.IsNullOrEmpty(options.Username))
        {
            _authenticator = new EtcdAuthenticator(
                new Auth.AuthClient(invoker),
                options.Username,
                options.Password ?? string.Empty,
                options.RequestTimeout,
                loggerFactory ?? NullLoggerFactory.Instance);
            _callCredentials = CallCredentials.FromInterceptor(_authenticator.AddTokenAsync);
        }
    }

    /// <summary>The options this connection was made from.</summary>
    public EtcdOptions Options { get; }

    /// <summary>The normalized key prefix (ends with <c>/</c>, or empty).</summary>
    public string KeyPrefix { get; }

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
            deadline: DateTime.UtcNow + (timeout ?? Options.RequestTimeout),
            cancellationToken: cancellationToken,
            credentials: _callCredentials);

    /// <summary>Options for a long-lived stream (watch, keep-alive): no deadline, the token, auth.</summary>
    public CallOptions StreamOptions(CancellationToken cancellationToken) =>
        new(cancellationToken: cancellationToken, credentials: _callCredentials);

    /// <summary>
    /// Tells the connection that a call failed; an authentication failure makes the next call fetch a new token
    /// (etcd forgets tokens when it restarts or loses its data).
    /// </summary>
    public void ReportFailure(RpcException exception)
    {
        if (exception.StatusCode is StatusCode.Unauthenticated
            || exception.Status.Detail.Contains("auth token", StringComparison.OrdinalIgnoreCase))
        {
            _authenticator?.Invalidate();
        }
    }

    public void Dispose() => _channel.Dispose();

    private static SslClientAuthenticationOptions CreateSslOptions(EtcdTlsOptions tls)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (!string.IsNullOrEmpty(tls.CaFile))
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.ImportFromPemFile(tls.CaFile);
            ssl.CertificateChainPolicy = policy;
        }

        if (!string.IsNullOrEmpty(tls.CertFile) && !string.IsNullOrEmpty(tls.KeyFile))
        {
            // Linux's TLS stack needs the key in an exportable store form, hence the PKCS#12 round trip.
            using var pem = X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
            ssl.ClientCertificates = new X509CertificateCollection { certificate };
        }

        return ssl;
    }
}
