using Discovery.Etcd;
using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Resolving;
using Discovery.ClientFactory.Subsetting;

using Discovery.Etcd.Retry;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// One channel's balancer: one subchannel per resolved instance, and a new <see cref="DiscoveryPicker"/> on every change
/// of instances or connection states. Unlike grpc-dotnet's balancers it acts on an empty address list (calls then
/// fail naming the reason, or wait under WaitForReady), and it holds a new channel's first calls until every
/// instance had its first connection attempt (bounded by <see cref="EtcdClientOptions.StartupWait"/>) so load is
/// even from the first call.
/// </summary>
/// <remarks>
/// grpc-dotnet calls <see cref="UpdateChannelState"/> and subchannel state callbacks under its connection manager's
/// lock; only the start-up timer runs outside it. Pickers are therefore built under this balancer's lock and
/// published without it, re-published when a newer build raced ahead.
/// </remarks>
internal sealed partial class DiscoveryLoadBalancer : LoadBalancer
{
    private readonly IChannelControlHelper _controller;
    private readonly BalancerSettings _settings;
    private readonly ILogger _logger;
    private readonly SubchannelMetrics _subchannels;
    private readonly EjectionMetrics? _ejections;
    private readonly Lock _lock = new();
    private readonly List<Entry> _entries = [];
    private InstanceSubset? _subset;
    private string _emptyReason = "the resolver has not answered yet";
    private ITimer? _startupTimer;
    private bool _startupStarted;
    private bool _startupOver;
    private long _generation;
    private bool _disposed;

    public DiscoveryLoadBalancer(
        IChannelControlHelper controller, BalancerSettings settings, ILogger logger, SubchannelMetrics subchannels, EjectionMetrics? ejections = null)
    {
        _subchannels = subchannels;
        _ejections = ejections;
        _controller = controller;
        _settings = settings;
        _logger = logger;
    }

    public override void UpdateChannelState(ChannelState state)
    {
        var toConnect = new List<Subchannel>();
        var toDispose = new List<(Subchannel Subchannel, IDisposable? Registration)>();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (state.Addresses is null)
            {
                // A resolver error never empties a known list: the instances stay until etcd says otherwise.
                _emptyReason = state.Status.Detail;
            }
            else
            {
                _emptyReason = "the service has no registered instance";
                Reconcile(state.Addresses, toConnect, toDispose);
                StartStartupWait();
            }
        }

        foreach (var (subchannel, registration) in toDispose)
        {
            registration?.Dispose();
            subchannel.Dispose();
            _subchannels.Closed(_settings.Service);
        }

        foreach (var subchannel in toConnect)
        {
            subchannel.RequestConnection();
        }

        Publish();
    }

    public override void RequestConnection()
    {
        Subchannel[] subchannels;
        lock (_lock)
        {
            subchannels = [.. _entries.Where(e => e.InSubset).Select(e => e.Subchannel)];
        }

        foreach (var subchannel in subchannels)
        {
            subchannel.RequestConnection();
        }
    }

    protected override void Dispose(bool disposing)
    {
        Entry[] entries;
        lock (_lock)
        {
            _disposed = true;
            entries = [.. _entries];
            _entries.Clear();
            _startupTimer?.Dispose();
        }

        foreach (var entry in entries)
        {
            entry.Registration.Dispose();
            entry.EjectionTimer?.Dispose();
            entry.Subchannel.Dispose();
            _subchannels.Closed(_settings.Service);
        }

        base.Dispose(disposing);
    }

    private void Reconcile(
        IReadOnlyList<BalancerAddress> addresses, List<Subchannel> toConnect, List<(Subchannel Subchannel, IDisposable? Registration)> toDispose)
    {
        var added = new List<Entry>();
        var previous = _entries.ToDictionary(e => e.Endpoint.Record.Address, StringComparer.Ordinal);
        var peersLag = PeersAverageLag();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        _entries.Clear();
        foreach (var address in addresses)
        {
            var record = EtcdAddressAttributes.RecordOf(address);
            if (!seen.Add(record.Address))
            {
                // The same address twice in one list: the first wins (a set, where a scan of the entries made the
                // first list of a service of n instances cost n² comparisons).
                continue;
            }

            if (previous.Remove(record.Address, out var entry))
            {
                if (!Equals(entry.Endpoint.Record, record))
                {
                    entry.Endpoint = entry.Endpoint.WithRecord(record);
                    entry.Address = address;
                    entry.Subchannel.UpdateAddresses([address]);
                }
            }
            else
            {
                entry = CreateEntry(address, record, peersLag);
                added.Add(entry);
                Log.InstanceAdded(_logger, _settings.Service, record.Id, record.Address);
            }

            _entries.Add(entry);
        }

        foreach (var removed in previous.Values)
        {
            removed.Registration.Dispose();
            removed.EjectionTimer?.Dispose();
            toDispose.Add((removed.Subchannel, null));
            Log.InstanceRemoved(_logger, _settings.Service, removed.Endpoint.Id, removed.Endpoint.Record.Address);
        }

        if (_settings.Subset is { } subset)
        {
            ChooseSubset(subset, added, toConnect, toDispose);
        }
        else
        {
            toConnect.AddRange(added.Select(e => e.Subchannel));
        }
    }

    /// <summary>
    /// Chooses the client's subset among the instances: members are connected, and an instance that leaves the subset
    /// gets a fresh, unconnected subchannel (its connection closes; calls in flight keep their streams), which a call
    /// pinned to it, or hashed to it, connects again on demand.
    /// </summary>
    private void ChooseSubset(
        SubsetSettings settings, List<Entry> added, List<Subchannel> toConnect, List<(Subchannel Subchannel, IDisposable? Registration)> toDispose)
    {
        _subset = new InstanceSubset(
            _entries.ConvertAll(e => e.Endpoint.Record),
            settings,
            _settings.Version,
            _settings.Zone,
            keyed: string.Equals(_settings.Picker.Name, DiscoveryPickers.ConsistentHash, StringComparison.OrdinalIgnoreCase));
        var fresh = added.ToHashSet();
        foreach (var entry in _entries)
        {
            var isNew = fresh.Contains(entry);
            var wasMember = entry.InSubset && !isNew;
            entry.InSubset = _subset.Members.Contains(entry.Endpoint.Id);
            if (entry.InSubset && (isNew || !wasMember))
            {
                toConnect.Add(entry.Subchannel);
            }
            else if (!entry.InSubset && wasMember && entry.State != ConnectivityState.Idle)
            {
                toDispose.Add((entry.Subchannel, entry.Registration));
                AttachSubchannel(entry, entry.Endpoint.Record, entry.Endpoint.Load, entry.Endpoint.Health);
            }
        }
    }

    private Entry CreateEntry(BalancerAddress address, ServiceInstance record, long peersLag)
    {
        var load = new EndpointLoad(_settings.Services.Time, _settings.Services.Options.P2cDecayTime, peersLag);
        var entry = new Entry(address);
        AttachSubchannel(entry, record, load, new EndpointHealth(_settings.Services.Time, SharedJitterSource.Instance));
        return entry;
    }

    /// <summary>Gives <paramref name="entry"/> a new subchannel, and an endpoint over it keeping its statistics and health.</summary>
    private void AttachSubchannel(Entry entry, ServiceInstance record, EndpointLoad load, EndpointHealth health)
    {
        var subchannel = _controller.CreateSubchannel(new SubchannelOptions([entry.Address]));
        _subchannels.Opened(_settings.Service);
        var tracker = new EjectionTracker(health, backoff => OnEjected(entry, subchannel, backoff), _ejections, _settings.Service);
        entry.Subchannel = subchannel;
        entry.Endpoint = new Endpoint(record, subchannel, load, health, tracker);
        entry.State = ConnectivityState.Idle;
        entry.Registration = subchannel.OnStateChanged(state => OnSubchannelStateChanged(entry, subchannel, state));
    }

    /// <summary>
    /// A call on <paramref name="failed"/> failed in transport and ejected its instance. Besides the backoff, the
    /// subchannel is replaced by a fresh one (see <see cref="SubchannelRenewal"/>) and the resolver is asked to
    /// refresh, in case etcd already knows the instance is gone.
    /// </summary>
    private void OnEjected(Entry entry, Subchannel failed, TimeSpan backoff)
    {
        SubchannelRenewal? renewal = null;
        lock (_lock)
        {
            if (_disposed || !_entries.Contains(entry))
            {
                return;
            }

            Log.InstanceEjected(_logger, _settings.Service, entry.Endpoint.Id, entry.Endpoint.Record.Address, backoff.TotalSeconds);
            entry.EjectionTimer?.Dispose();
            entry.EjectionTimer = new EjectionEnd(_settings.Services.Time, entry.Endpoint.Health, backoff, Publish);
            if (ReferenceEquals(entry.Subchannel, failed))
            {
                renewal = new SubchannelRenewal(entry.Subchannel, entry.Registration);
                AttachSubchannel(entry, entry.Endpoint.Record, entry.Endpoint.Load, entry.Endpoint.Health);
            }
        }

        if (renewal is not null)
        {
            renewal.Complete(entry.Subchannel);
            _subchannels.Closed(_settings.Service);
        }

        Publish();
        _controller.RefreshResolver();
    }

    private long PeersAverageLag()
    {
        long sum = 0, count = 0;
        foreach (var entry in _entries)
        {
            if (entry.Endpoint.Load.LagNanoseconds is var lag and > 0)
            {
                sum += lag;
                count++;
            }
        }

        return count == 0 ? 0 : sum / count;
    }

    private void OnSubchannelStateChanged(Entry entry, Subchannel subchannel, SubchannelState state)
    {
        bool reconnect;
        lock (_lock)
        {
            // A replaced subchannel may report once more before its subscription is disposed: it no longer speaks for the entry.
            if (_disposed || !_entries.Contains(entry) || !ReferenceEquals(entry.Subchannel, subchannel))
            {
                return;
            }

            reconnect = entry.InSubset;

            entry.State = state.State;
            if (state.State is ConnectivityState.Ready or ConnectivityState.TransientFailure)
            {
                entry.Attempted = true;
            }

            if (state.State == ConnectivityState.TransientFailure)
            {
                entry.LastError = state.Status.Detail;
            }
        }

        if (state.State == ConnectivityState.Idle && reconnect)
        {
            // A dropped connection leaves the subchannel idle: reconnect at once, as grpc-dotnet's balancers do.
            entry.Subchannel.RequestConnection();
        }

        Publish();
    }

    private void StartStartupWait()
    {
        if (_startupStarted || _entries.Count == 0)
        {
            return;
        }

        _startupStarted = true;
        if (_settings.StartupWait <= TimeSpan.Zero)
        {
            _startupOver = true;
            return;
        }

        _startupTimer = _settings.Services.Time.CreateTimer(
            static state => ((DiscoveryLoadBalancer)state!).OnStartupWaitOver(),
            this,
            _settings.StartupWait,
            Timeout.InfiniteTimeSpan);
    }

    private void OnStartupWaitOver()
    {
        lock (_lock)
        {
            if (_startupOver || _disposed)
            {
                return;
            }

            _startupOver = true;
        }

        Publish();
    }

    private void Publish()
    {
        while (true)
        {
            BalancerState state;
            long generation;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                state = BuildState();
                generation = ++_generation;
            }

            _controller.UpdateState(state);
            lock (_lock)
            {
                if (_generation == generation)
                {
                    return;
                }
            }
        }
    }

    private BalancerState BuildState()
    {
        if (_entries.Count == 0)
        {
            var failure = UnavailableMessages.NoInstance(_settings.Service, _settings.Version, _settings.Zone, _emptyReason);
            return new BalancerState(ConnectivityState.TransientFailure, new FixedPicker(failure));
        }

        if (!_startupOver && _entries.TrueForAll(e => e.Attempted || !e.InSubset))
        {
            _startupOver = true;
        }

        if (!_startupOver)
        {
            return new BalancerState(ConnectivityState.Connecting, FixedPicker.Queue);
        }

        var snapshots = _entries.ConvertAll(e => new EndpointSnapshot(e.Endpoint, e.State, e.Attempted, e.LastError, e.Endpoint.Health.IsEjected, e.InSubset));
        // Instances outside the subset sit idle on purpose: they say nothing about whether the channel is connecting.
        var channelState = snapshots.Exists(s => s.IsReady) ? ConnectivityState.Ready
            : snapshots.Exists(s => s.IsConnecting && s.InSubset) ? ConnectivityState.Connecting
            : ConnectivityState.TransientFailure;
        return new BalancerState(channelState, new DiscoveryPicker(snapshots, _settings, _subset));
    }

    private sealed class Entry(BalancerAddress address)
    {
        public BalancerAddress Address { get; set; } = address;

        public Endpoint Endpoint { get; set; } = null!;

        public Subchannel Subchannel { get; set; } = null!;

        public IDisposable Registration { get; set; } = EmptyDisposable.Instance;

        public ConnectivityState State { get; set; } = ConnectivityState.Idle;

        public bool Attempted { get; set; }

        /// <summary>True when the instance is one the client keeps connected: always, unless subsetting is on.</summary>
        public bool InSubset { get; set; } = true;

        public string? LastError { get; set; }

        public EjectionEnd? EjectionTimer { get; set; }
    }

    private sealed class EmptyDisposable : IDisposable
    {
        public static readonly EmptyDisposable Instance = new();

        public void Dispose()
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Service '{Service}': instance {InstanceId} at {Address} added.")]
        public static partial void InstanceAdded(ILogger logger, string service, string instanceId, string address);

        [LoggerMessage(2, LogLevel.Debug, "Service '{Service}': instance {InstanceId} at {Address} removed.")]
        public static partial void InstanceRemoved(ILogger logger, string service, string instanceId, string address);

        [LoggerMessage(3, LogLevel.Warning, "Service '{Service}': instance {InstanceId} at {Address} ejected for {Seconds} s after a transport failure.")]
        public static partial void InstanceEjected(ILogger logger, string service, string instanceId, string address, double seconds);
    }
}
