using Discovery.ClientFactory.Picking;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// Wraps a picker added with <c>AddDiscoveryPicker</c>, which picks raw subchannels, so its calls report transport
/// failures too: a result for one of our subchannels without a tracker of its own gets the instance's tracker.
/// </summary>
internal sealed class OutlierTrackingPicker : SubchannelPicker
{
    private readonly SubchannelPicker _inner;
    private readonly Dictionary<Subchannel, Endpoint> _endpoints;

    private OutlierTrackingPicker(SubchannelPicker inner, Dictionary<Subchannel, Endpoint> endpoints)
    {
        _inner = inner;
        _endpoints = endpoints;
    }

    public static SubchannelPicker Wrap(SubchannelPicker inner, IReadOnlyList<Endpoint> endpoints)
    {
        var bySubchannel = new Dictionary<Subchannel, Endpoint>(ReferenceEqualityComparer.Instance);
        foreach (var endpoint in endpoints)
        {
            bySubchannel.TryAdd(endpoint.Subchannel, endpoint);
        }

        return new OutlierTrackingPicker(inner, bySubchannel);
    }

    public override PickResult Pick(PickContext context)
    {
        var result = _inner.Pick(context);
        return result.Type == PickResultType.Complete
            && result.SubchannelCallTracker is null
            && result.Subchannel is { } subchannel
            && _endpoints.TryGetValue(subchannel, out var endpoint)
                ? endpoint.Result
                : result;
    }
}
