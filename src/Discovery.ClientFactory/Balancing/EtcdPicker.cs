using Discovery.ClientFactory.Routing;
using Discovery.ClientFactory.Tracking;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// The channel's picker for one moment of its instances: applies a call's routing (a pinned instance, a version, a
/// hash key) and otherwise hands the call to the candidate set of the client's own filters. A call with no routing
/// and an untracked picker reads one thread-static slot and returns a cached result: nothing is allocated.
/// </summary>
internal sealed class EtcdPicker : SubchannelPicker
{
    private readonly BalancerSettings _settings;
    private readonly CandidateSet _default;
    private readonly Dictionary<string, CandidateSet> _byVersion;
    private readonly Dictionary<string, EndpointSnapshot> _byId;
    private readonly IReadOnlyList<EndpointSnapshot> _all;

    public EtcdPicker(IReadOnlyList<EndpointSnapshot> all, BalancerSettings settings)
    {
        _settings = settings;
        _all = all;
        _default = CandidateSet.Build(all, settings.Version, settings.Zone, settings);
        _byVersion = new Dictionary<string, CandidateSet>(StringComparer.Ordinal);
        _byId = new Dictionary<string, EndpointSnapshot>(StringComparer.Ordinal);
        foreach (var snapshot in all)
        {
            _byId.TryAdd(snapshot.Endpoint.Id, snapshot);
            if (snapshot.Endpoint.Version is { } version && !_byVersion.ContainsKey(version))
            {
                _byVersion[version] = CandidateSet.Build(all, version, settings.Zone, settings);
            }
        }
    }

    public override PickResult Pick(PickContext context)
    {
        var call = CallContext.Current;
        if (ReferenceEquals(call, CallContext.None))
        {
            return _default.Pick(context, null, null);
        }

        var (routing, tracking) = call is null ? (CallRouting.FromRequest(context.Request), null) : (call.Routing, call.Tracking);
        if (routing.InstanceId is { } instanceId)
        {
            return PickPinned(instanceId, tracking);
        }

        if (routing.Version is { } version && version != _settings.Version)
        {
            return _byVersion.TryGetValue(version, out var set)
                ? set.Pick(context, routing.HashKey, tracking)
                : UnavailableMessages.NoMatchingInstance(_settings.Service, version, _settings.Zone, _all.Count);
        }

        return _default.Pick(context, routing.HashKey, tracking);
    }

    private PickResult PickPinned(string instanceId, CallTracking? tracking)
    {
        if (!_byId.TryGetValue(instanceId, out var snapshot))
        {
            return UnavailableMessages.PinnedAbsent(_settings.Service, instanceId);
        }

        if (snapshot.IsServing)
        {
            if (_settings.Picker.TracksLoad && tracking is not null)
            {
                tracking.Attach(snapshot.Endpoint.Load, _settings.Services.Time.GetTimestamp());
            }

            return snapshot.Endpoint.Result;
        }

        if (snapshot.Ejected)
        {
            return UnavailableMessages.PinnedEjected(_settings.Service, instanceId);
        }

        return snapshot.IsConnecting
            ? PickResult.ForQueue()
            : UnavailableMessages.PinnedUnreachable(_settings.Service, instanceId, snapshot.LastError);
    }
}
