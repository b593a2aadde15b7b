namespace Discovery.ClientFactory.Picking;

/// <summary>
/// Smooth weighted round robin (nginx): every pick adds each instance's weight to its running score, takes the
/// highest score and subtracts the total weight from it. Over any window of total-weight picks each instance gets
/// exactly its weight, interleaved rather than in bursts.
/// </summary>
internal sealed class WeightedRoundRobinPicker : EndpointPicker
{
    private readonly Endpoint[] _endpoints;
    private readonly long[] _current;
    private readonly long _totalWeight;
    private readonly Lock _lock = new();

    public WeightedRoundRobinPicker(IReadOnlyList<Endpoint> endpoints)
    {
        _endpoints = [.. endpoints];
        _current = new long[_endpoints.Length];
        foreach (var endpoint in _endpoints)
        {
            _totalWeight += endpoint.Weight;
        }
    }

    public override Endpoint Pick(string? hashKey, long now)
    {
        lock (_lock)
        {
            var best = 0;
            for (var i = 0; i < _endpoints.Length; i++)
            {
                _current[i] += _endpoints[i].Weight;
                if (_current[i] > _current[best])
                {
                    best = i;
                }
            }

            _current[best] -= _totalWeight;
            return _endpoints[best];
        }
    }
}
