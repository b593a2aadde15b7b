using Discovery.Etcd;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Diagnostics;
using Discovery.Hosting.Leasing;
using Discovery.Etcd.Records;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Registers the server's bound addresses in etcd once Kestrel has bound them, keeps them registered, and
/// deregisters before Kestrel stops.
/// </summary>
/// <remarks>
/// <c>WebApplicationBuilder</c> adds Kestrel's hosted service last, so a plain <see cref="IHostedService"/> would
/// start before the ports are bound and stop after Kestrel stopped. As an <see cref="IHostedLifecycleService"/> it
/// registers in <see cref="StartedAsync"/> (every address bound, port 0 resolved) and deregisters in
/// <see cref="StoppingAsync"/>, which runs before <c>ApplicationStopping</c> and before any <c>StopAsync</c>: the
/// lease is revoked, then the server keeps serving for <see cref="EtcdRegistrationOptions.DrainDelay"/> so
/// clients watching etcd drop it, and only then does the host stop Kestrel, which drains in-flight calls. Between the
/// revoke and the drain delay the gRPC health service, when the application added it, turns NOT_SERVING
/// (<see cref="GrpcHealthLifecycle"/>). With the health gate on, the lease keeper starts withdrawn and a
/// <see cref="HealthGateMonitor"/> restores and withdraws its records as the tagged health checks pass and fail.
/// </remarks>
internal sealed partial class EtcdRegistrationService : IHostedLifecycleService, IAsyncDisposable
{
    /// <summary>The span of the stop sequence: the lease revoked (records deleted), then the drain delay.</summary>
    public const string DrainSpanName = "discovery.registration.drain";

    /// <summary>What started a drain span: <c>stop</c> (the graceful stop) or <c>control</c> (the control record asks draining).</summary>
    public const string DrainTriggerAttribute = "discovery.registration.drain.trigger";

    // Revoke (and stopping the loop) may take this long at most, so our part of a shutdown stays within DrainDelay + 2 s.
    private static readonly TimeSpan s_revokeBudget = TimeSpan.FromSeconds(1);

    private readonly EtcdRegistrationOptions _options;
    private readonly EtcdOptions _etcdOptions;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly LeaseKeeperMetrics _metrics;
    private readonly IServiceCatalog _catalog;
    private readonly GrpcHealthLifecycle _grpcHealth;
    private readonly RegistrationControl _control;
    private readonly IReadOnlySet<string> _ownChecks;
    private readonly Lock _gate = new();
    private LeaseKeeper? _keeper;
    private EtcdConnection? _connection;
    private EtcdLeaseApi? _api;
    private OwnRecordsMonitor? _monitor;
    private HealthGateMonitor? _healthGate;
    private volatile RegistrationPhase _phase = RegistrationPhase.NotStarted;
    private IReadOnlyList<string> _addresses = [];
    private int _disposed;

    public EtcdRegistrationService(
        IOptions<EtcdRegistrationOptions> options,
        IOptions<EtcdOptions> etcdOptions,
        IServiceProvider services,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        LeaseKeeperMetrics metrics,
        IServiceCatalog catalog,
        GrpcHealthLifecycle grpcHealth,
        IOptions<RegistrationCheckNames> ownChecks,
        RegistrationControl control)
    {
        _options = options.Value;
        _etcdOptions = etcdOptions.Value;
        _services = services;
        _time = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<EtcdRegistrationService>();
        _metrics = metrics;
        _catalog = catalog;
        _grpcHealth = grpcHealth;
        _ownChecks = ownChecks.Value.Names;
        _control = control;
        _metrics.ObserveStateOf(MetricState);
    }

    /// <summary>Where the registration stands, for the health check.</summary>
    public RegistrationSnapshot Snapshot
    {
        get
        {
            var gate = _healthGate is { } monitor && monitor.State is var (phase, streak, failing)
                ? new HealthGateSnapshot(monitor.Tag, phase, streak, failing)
                : null;
            return new(_phase, _keeper?.Status, _addresses, gate, _keeper?.WithdrawalReasons ?? WithdrawalReasons.None);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            Log.Disabled(_logger);
            _phase = RegistrationPhase.Disabled;
            return;
        }

        var service = _options.ServiceName!;
        if (service.Contains('/', StringComparison.Ordinal))
        {
            Log.HierarchicalServiceName(_logger, service);
        }

        var bound = _services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        var filter = new EndpointFilter(_options.Endpoints);

        // A registered endpoint that cannot speak HTTP/2 fails every call of every client (a plaintext Http1AndHttp2
        // endpoint, Kestrel's default, is HTTP/1.1 only): leave it out, and refuse to start when nothing is left,
        // rather than let a first run fail silently on the clients' side.
        var (usable, http1Only, undetermined) = await GrpcEndpointSelection.SelectAsync(
            bound,
            filter,
            static (endpoint, token) => Http2Probe.ProbeAsync(endpoint, Http2Probe.DefaultTimeout, token),
            cancellationToken).ConfigureAwait(false);
        foreach (var url in http1Only)
        {
            Log.Http1OnlyEndpoint(_logger, url, service, GrpcEndpointSelection.Advice(url));
        }

        foreach (var url in undetermined)
        {
            Log.Http2Undetermined(_logger, url, service);
        }

        if (http1Only.Count > 0 && usable.Count == 0)
        {
            throw new InvalidOperationException(GrpcEndpointSelection.NoneLeftMessage(service, http1Only));
        }

        var endpoints = AdvertisedAddresses.ResolveEndpoints(usable, filter, _options.AdvertisedHost, AdvertisedAddresses.MachineAddress);
        IReadOnlyList<string> addresses = [.. endpoints.Select(e => e.Address)];
        _addresses = addresses;
        if (addresses.Count == 0)
        {
            Log.NothingToRegister(_logger, service, bound.Length == 0 ? "none" : string.Join(", ", bound));
            _phase = RegistrationPhase.NoAddresses;
            return;
        }

        EndpointMetadata MetadataWith(int weight) => new(
            _options.InstanceId,
            _options.Version,
            weight,
            _options.Zone,
            _options.Metadata.AsReadOnly());
        var tlsNames = endpoints.ToDictionary(
            e => e.Address, e => RegistrationTls.TlsNameFor(e, _options.TlsName, _options.AdvertisedHost), StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Https && tlsNames[endpoint.Address] is null)
            {
                Log.NoTlsName(_logger, service, endpoint.Address);
            }
        }

        // Each address gets its own metadata: https endpoints add scheme=https and their TLS name.
        Func<string, EndpointMetadata> MetadataOf(EndpointMetadata m) =>
            address => endpoints.FirstOrDefault(e => string.Equals(e.Address, address, StringComparison.OrdinalIgnoreCase)) is { } e
                ? RegistrationTls.WithTransport(m, e, tlsNames[e.Address])
                : m;
        var metadata = MetadataWith(_options.Weight);
        IReadOnlyList<LeaseRecord> RecordsFor(EndpointMetadata m) => endpoints
            .Select(e => new LeaseRecord(
                ServiceKeys.EndpointKey(_etcdOptions.KeyPrefix, service, e.Address),
                EndpointRecordCodec.Encode(e.Address, RegistrationTls.WithTransport(m, e, tlsNames[e.Address]), RecordMetadataFormat.FormString)))
            .ToArray();
        var records = RecordsFor(metadata);

        Log.Registering(_logger, service, string.Join(", ", addresses), string.Join(", ", bound), _options.InstanceId!);
        lock (_gate)
        {
            // The lease keeper has a connection of its own (the catalog's is internal to Discovery.Etcd), which also keeps
            // its keep-alives off the connection that carries the watches.
            _connection = new EtcdConnection(_etcdOptions, _loggerFactory, _time);
            _api = new EtcdLeaseApi(_connection, _time);
            _keeper = new LeaseKeeper(
                service,
                _api,
                records,
                new LeaseKeeperOptions
                {
                    Ttl = _options.LeaseTtl,
                    RequestTimeout = Clamp(_options.LeaseTtl / 3, TimeSpan.FromSeconds(1), _etcdOptions.RequestTimeout),
                },
                _time,
                _loggerFactory.CreateLogger<LeaseKeeper>(),
                _metrics);
            if (_options.HealthGate.Enabled)
            {
                // Created before the keeper starts: it withdraws the records first, so none is written before a check passed.
                _healthGate = new HealthGateMonitor(
                    _services.GetRequiredService<HealthCheckService>(),
                    _options.HealthGate,
                    _ownChecks,
                    _keeper,
                    service,
                    _time,
                    _loggerFactory.CreateLogger<HealthGateMonitor>());
            }

            // No record is written before the control record was read: an instance restarted with the id of a paused
            // one must not register for a moment.
            _keeper.Withdraw(WithdrawalReasons.ControlPending);
            _keeper.Start();
            _healthGate?.Start();
            _phase = RegistrationPhase.Running;

            // The timer catches what the watcher does not report (see OwnRecordsMonitor); a second is well within the 2 s goal.
            var checkInterval = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, (_options.LeaseTtl / 3).Ticks));
            var monitor = new OwnRecordsMonitor(_catalog.Watch(service), addresses, MetadataOf(metadata), _keeper, _logger, _time, checkInterval);
            _monitor = monitor;

            // The control record rides on the keeper's connection: one mostly idle watch stream and a rare write.
            _control.Attach(
                _connection,
                _api,
                _keeper,
                service,
                _options.InstanceId!,
                _options.Weight,
                weight => RecordsFor(MetadataWith(weight)),
                weight => monitor.UpdateMetadata(MetadataOf(MetadataWith(weight))),
                _metrics,
                _loggerFactory);
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        LeaseKeeper? keeper;
        HealthGateMonitor? gate;
        lock (_gate)
        {
            keeper = _keeper;
            gate = _healthGate;
            _monitor?.Dispose();
            _monitor = null;
        }

        try
        {
            // No control record nor health report may restore the records once the revoke is under way.
            await _control.DisposeAsync().ConfigureAwait(false);
            if (gate is not null)
            {
                await gate.DisposeAsync().ConfigureAwait(false);
            }

            if (keeper is null)
            {
                _grpcHealth.SetNotServing();
                return;
            }

            var started = _time.GetTimestamp();
            using var span = DiscoveryActivitySource.StartRoot(DrainSpanName, _options.ServiceName!)?.SetTag(DrainTriggerAttribute, "stop");
            try
            {
                if (!await keeper.StopAsync(s_revokeBudget, cancellationToken).ConfigureAwait(false))
                {
                    span.Fail("etcd did not confirm the revocation: the records expire with the lease");
                }

                _phase = RegistrationPhase.Stopped;

                // Records gone first, then NOT_SERVING: a health watcher never hears NOT_SERVING while clients reading
                // etcd would still pick this instance.
                _grpcHealth.SetNotServing();
                Log.Draining(_logger, _options.ServiceName!, _options.DrainDelay.TotalMilliseconds);
                await Task.Delay(_options.DrainDelay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout ran out: stop draining and let it go on.
                span.Fail("the host's shutdown timeout ended the drain delay");
            }

            Log.Drained(_logger, _options.ServiceName!, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            // Open Watch calls end now, before Kestrel drains, or they would hold its drain until the shutdown timeout.
            _grpcHealth.CompleteWatches();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // The container disposes this instance once as itself and once as the IHostedService its factory returns.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        LeaseKeeper? keeper;
        HealthGateMonitor? gate;
        lock (_gate)
        {
            keeper = _keeper;
            gate = _healthGate;
            _monitor?.Dispose();
            _monitor = null;
        }

        await _control.DisposeAsync().ConfigureAwait(false);
        if (gate is not null)
        {
            await gate.DisposeAsync().ConfigureAwait(false);
        }

        if (keeper is not null)
        {
            await keeper.DisposeAsync().ConfigureAwait(false);
        }

        _api?.Dispose();
        _connection?.Dispose();
    }

    /// <summary>The state <see cref="LeaseKeeperMetrics.StateName"/> reports; null while there is no registration to report.</summary>
    private (string Service, string State)? MetricState()
    {
        var snapshot = Snapshot;
        var state = snapshot.Phase switch
        {
            RegistrationPhase.Stopped => "deregistered",
            RegistrationPhase.Running => snapshot.Keeper?.State switch
            {
                LeaseKeeperState.Registered or LeaseKeeperState.Withdrawn when ControlStateName() is { } control => control,
                LeaseKeeperState.Registered => "registered",
                LeaseKeeperState.Retrying => "retrying",
                LeaseKeeperState.Lost => "lost",
                LeaseKeeperState.Withdrawn => "withdrawn",
                LeaseKeeperState.Stopped => "deregistered",
                _ => "starting",
            },
            _ => null,
        };
        return state is null ? null : (_options.ServiceName!, state);
    }

    // Pause and drain name the state while the lease is confirmed; retrying and lost say more about the records.
    private string? ControlStateName() => _control.State switch
    {
        RegistrationControlState.Paused => "paused",
        RegistrationControlState.Draining => "draining",
        RegistrationControlState.Drained => "drained",
        _ => null,
    };

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
        value < min ? min : value > max ? max : value;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "etcd registration is disabled (Discovery:Registration:Enabled is false)")]
        public static partial void Disabled(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "The service name '{Service}' holds '/': a stock Go client dialing etcd:///{Service} sends it as :authority, which Kestrel rejects with PROTOCOL_ERROR; Go clients must set grpc.WithAuthority")]
        public static partial void HierarchicalServiceName(ILogger logger, string service);

        [LoggerMessage(3, LogLevel.Information, "Nothing to register for {Service}: no bound TCP address matches (bound: {Bound})")]
        public static partial void NothingToRegister(ILogger logger, string service, string bound);

        [LoggerMessage(4, LogLevel.Information, "Registering {Service} as instance {InstanceId} at {Addresses} (bound: {Bound})")]
        public static partial void Registering(ILogger logger, string service, string addresses, string bound, string instanceId);

        [LoggerMessage(6, LogLevel.Information, "Deregistered {Service}; still serving for {DrainDelayMs} ms so clients drop this instance")]
        public static partial void Draining(ILogger logger, string service, double drainDelayMs);

        [LoggerMessage(7, LogLevel.Information, "Drain delay of {Service} over after {ElapsedMs:0} ms; the host now stops Kestrel")]
        public static partial void Drained(ILogger logger, string service, double elapsedMs);

        [LoggerMessage(8, LogLevel.Warning, "Not registering {Url} for {Service}: it speaks only HTTP/1.1, and gRPC needs HTTP/2. {Advice}")]
        public static partial void Http1OnlyEndpoint(ILogger logger, string url, string service, string advice);

        [LoggerMessage(10, LogLevel.Warning, "The https endpoint {Address} of {Service} is registered with scheme=https but no TLS name: it was bound to an IP address and neither Discovery:Registration:TlsName nor a DNS Discovery:Registration:AdvertisedHost is set. TLS clients then need Discovery:Clients:{{name}}:Tls:ServerName, and refuse it without one")]
        public static partial void NoTlsName(ILogger logger, string service, string address);

        [LoggerMessage(9, LogLevel.Information, "Could not tell whether {Url} speaks HTTP/2 (no answer to the probe, or a TLS handshake that failed); registering it for {Service}")]
        public static partial void Http2Undetermined(ILogger logger, string url, string service);
    }
}
