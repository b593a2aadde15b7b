namespace Discovery.ClientFactory.Picking;

/// <summary>
/// Smooth weighted round robin in nginx's order, without a lock: the order (<see cref="SmoothWeightedSchedule"/>) is
/// computed when the picker is built, and a pick reads the entry at the balancer's round-robin cursor. Over every
/// window of one period each instance gets exactly its share, interleaved rather than in bursts.
/// </summary>
/// <remarks>
/// The cursor is shared by every picker of the balancer and outlives rebuilds, so a rebuild (any change of the ready
/// set) carries on from the cursor's position instead of starting the order again at the heaviest instances, which
/// frequent rebuilds would otherwise favour.
/// </remarks>
internal sealed class WeightedRoundRobinPicker : EndpointPicker
{
    private readonly Endpoint[] _endpoints;
    private readonly int[] _schedule;
    private readonly RoundRobinCursor _cursor;

    public WeightedRoundRobinPicker(IReadOnlyList<Endpoint> endpoints, RoundRobinCursor cursor)
    {
        _endpoints = [.. endpoints];
        var weights = new int[_endpoints.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = _endpoints[i].Weight;
        }

        _schedule = SmoothWeightedSchedule.Build(weights);
        _cursor = cursor;
    }

    public override Endpoint Pick(string? hashKey, long now) => _endpoints[_schedule[_cursor.Next(_schedule.Length)]];
}
