using Discovery.ClientFactory.LoadTracking;

namespace Discovery.ClientFactory.Picking;

/// <summary>Of two distinct random instances, the one with fewer calls in flight (Envoy's default least-request).</summary>
/// <remarks>
/// The comparison reads the two instances' load counters straight from an array of them rather than through their
/// endpoints: with thousands of instances each hop is a likely cache miss, and the pick then touches three objects,
/// not four.
/// </remarks>
internal sealed class LeastRequestPicker : EndpointPicker
{
    private readonly Endpoint[] _endpoints;
    private readonly EndpointLoad[] _loads;
    private readonly IRandomSource _random;

    public LeastRequestPicker(IReadOnlyList<Endpoint> endpoints, IRandomSource random)
    {
        _endpoints = [.. endpoints];
        _loads = [.. _endpoints.Select(e => e.Load)];
        _random = random;
    }

    public override Endpoint Pick(string? hashKey, long now)
    {
        if (_endpoints.Length == 1)
        {
            return _endpoints[0];
        }

        var (first, second) = _random.NextDistinctPair(_endpoints.Length);
        return _endpoints[_loads[second].InFlight < _loads[first].InFlight ? second : first];
    }
}
