using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Retry;
using Discovery.ClientFactory.Routing;
using Discovery.Etcd;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// The channel's picker for one moment of its instances: applies a call's routing (a pinned instance, a version, a
/// hash key) and otherwise hands the call to the candidate set of the client's own filters. A call with no routing
/// and an untracked picker reads one thread-static slot and returns a cached result: nothing is allocated.
/// </summary>
internal sealed class DiscoveryPicker : SubchannelPicker
{
    private readonly BalancerSettings _settings;
    private readonly CandidateSet _default;
    // A handful of versions at most: a linear scan with ordinal compares beats hashing the call's version string.
    private readonly (string Version, CandidateSet Set)[] _byVersion;
    private readonly Dictionary<string, EndpointSnapshot> _byId;
    private readonly IReadOnlyList<EndpointSnapshot> _all;
    private readonly ConsistentHashRing<ServiceInstance>? _keyRing;

    /// <summary>Builds the picker over <paramref name="all"/>, within <paramref name="subset"/> when subsetting is on.</summary>
    public DiscoveryPicker(IReadOnlyList<EndpointSnapshot> all, BalancerSettings settings, InstanceSubset? subset = null)
    {
        _settings = settings;
        _all = all;
        _default = CandidateSet.Build(all, settings.Version, settings.Zone, settings, subset?.Members);
        _keyRing = subset?.KeyRing;
        var byVersion = new List<(string Version, CandidateSet Set)>();
        _byId = new Dictionary<string, EndpointSnapshot>(StringComparer.Ordinal);
        foreach (var snapshot in all)
        {
            _byId.TryAdd(snapshot.Endpoint.Id, snapshot);
            if (snapshot.Endpoint.Version is { } version && !byVersion.Exists(v => v.Version == version))
            {
                byVersion.Add((version, CandidateSet.Build(all, version, settings.Zone, settings, subset?.Choose(version))));
            }
        }

        _byVersion = [.. byVersion];
    }

    public override PickResult Pick(PickContext context)
    {
        var result = PickCore(context);
        if (_settings.PolicyRetries is { } retries && result.Type == PickResultType.Complete && PolicyRetry.IsRetry(context.Request))
        {
            // grpc-dotnet's retry policy runs inside the channel, past every interceptor; the picks of its attempts
            // are the one place that sees them. A retried attempt carries grpc-previous-rpc-attempts (gRFC A6).
            retries.Retried(_settings.Service, RetryMetrics.Unavailable);
        }

        return result;
    }

    private PickResult PickCore(PickContext context)
    {
        var call = CallContext.Current;
        if (ReferenceEquals(call, CallContext.None))
        {
            return _default.Pick(context, null, null);
        }

        var routing = call is null ? CallRouting.FromRequest(context.Request) : call.Routing;
        if (routing.InstanceId is { } instanceId)
        {
            return PickPinned(instanceId, call);
        }

        if (routing.Version is { } version && version != _settings.Version)
        {
            return ForVersion(version) is { } set
                ? set.Pick(context, routing.HashKey, call)
                : UnavailableMessages.NoMatchingInstance(_settings.Service, version, _settings.Zone, _all.Count);
        }

        if (_keyRing is not null && routing.HashKey is { } hashKey)
        {
            return PickKeyed(hashKey, context, call);
        }

        return _default.Pick(context, routing.HashKey, call);
    }

    /// <summary>
    /// Under subsetting, a hash key goes to its instance on the ring of every filtered instance, so all clients agree
    /// on it: connected on demand when outside the subset (the call waits), and the subset's own ring while it is
    /// unreachable or ejected.
    /// </summary>
    private PickResult PickKeyed(string hashKey, PickContext context, CallContext? call)
    {
        if (_byId.TryGetValue(_keyRing!.Lookup(hashKey).Id, out var snapshot))
        {
            if (snapshot.IsServing)
            {
                return snapshot.Endpoint.Result;
            }

            if (!snapshot.Ejected && snapshot.IsConnecting)
            {
                return CandidateSet.Connect(snapshot.Endpoint.Subchannel);
            }
        }

        return _default.Pick(context, hashKey, call);
    }

    private CandidateSet? ForVersion(string version)
    {
        foreach (var (candidate, set) in _byVersion)
        {
            if (string.Equals(candidate, version, StringComparison.Ordinal))
            {
                return set;
            }
        }

        return null;
    }

    private PickResult PickPinned(string instanceId, CallContext? call)
    {
        if (!_byId.TryGetValue(instanceId, out var snapshot))
        {
            return UnavailableMessages.PinnedAbsent(_settings.Service, instanceId);
        }

        if (snapshot.IsServing)
        {
            if (_settings.Picker.TracksLoad && call is { TracksLoad: true })
            {
                var timed = _settings.Picker.TimesCalls;
                call.Attach(snapshot.Endpoint.Load.StartCall(timed, timed ? CoarseClock.Milliseconds(_settings.Services.Time) : 0));
            }

            return snapshot.Endpoint.Result;
        }

        if (snapshot.Ejected)
        {
            return UnavailableMessages.PinnedEjected(_settings.Service, instanceId);
        }

        return snapshot.IsConnecting
            ? CandidateSet.Connect(snapshot.Endpoint.Subchannel)
            : UnavailableMessages.PinnedUnreachable(_settings.Service, instanceId, snapshot.LastError);
    }
}
