namespace Discovery.ClientFactory.Picking;

/// <summary>Of two distinct random instances, the one with fewer calls in flight (Envoy's default least-request).</summary>
internal sealed class LeastRequestPicker(IReadOnlyList<Endpoint> endpoints, IRandomSource random) : EndpointPicker
{
    private readonly Endpoint[] _endpoints = [.. endpoints];

    public override Endpoint Pick(string? hashKey, long now)
    {
        if (_endpoints.Length == 1)
        {
            return _endpoints[0];
        }

        var (first, second) = RandomPair.Draw(_endpoints, random);
        return second.Load.InFlight < first.Load.InFlight ? second : first;
    }
}
