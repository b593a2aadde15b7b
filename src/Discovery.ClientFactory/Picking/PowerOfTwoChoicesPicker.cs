using Discovery.ClientFactory.LoadTracking;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// go-zero's p2c: draw two distinct instances (up to three times, until both look healthy), take the one with the
/// lower load, unless the other has not been picked for the force-pick interval, in which case it gets this call so
/// that an instance that recovered is noticed.
/// </summary>
/// <remarks>
/// The draw and the comparison read the instances' load counters straight from an array of them, not through their
/// endpoints: at thousands of instances each hop is a likely cache miss (as in <see cref="LeastRequestPicker"/>).
/// </remarks>
internal sealed class PowerOfTwoChoicesPicker : EndpointPicker
{
    /// <summary>Draws tried before settling for a pair with an unhealthy member.</summary>
    internal const int PickTimes = 3;

    /// <summary>Success score at or under which an instance counts as unhealthy when drawing.</summary>
    internal const int ThrottleSuccess = 500;

    private readonly Endpoint[] _endpoints;
    private readonly EndpointLoad[] _loads;
    private readonly IRandomSource _random;
    private readonly long _forcePickMilliseconds;

    public PowerOfTwoChoicesPicker(IReadOnlyList<Endpoint> endpoints, IRandomSource random, TimeSpan forcePickInterval)
    {
        _endpoints = [.. endpoints];
        _loads = [.. _endpoints.Select(e => e.Load)];
        _random = random;
        _forcePickMilliseconds = (long)forcePickInterval.TotalMilliseconds;
    }

    /// <inheritdoc/>
    /// <remarks><paramref name="now"/> is in <see cref="CoarseClock"/> milliseconds.</remarks>
    public override Endpoint Pick(string? hashKey, long now)
    {
        if (_endpoints.Length == 1)
        {
            _loads[0].MarkPicked(now);
            return _endpoints[0];
        }

        int first, second;
        if (_endpoints.Length == 2)
        {
            (first, second) = (0, 1);
        }
        else
        {
            (first, second) = _random.NextDistinctPair(_endpoints.Length);
            for (var attempt = 1; attempt < PickTimes && !(IsHealthy(_loads[first]) && IsHealthy(_loads[second])); attempt++)
            {
                (first, second) = _random.NextDistinctPair(_endpoints.Length);
            }
        }

        return _endpoints[Choose(first, second, now)];
    }

    private int Choose(int first, int second, long now)
    {
        var (better, worse) = _loads[first].Score <= _loads[second].Score ? (first, second) : (second, first);
        var worseLoad = _loads[worse];
        var worsePickedAt = worseLoad.LastPickedAt;
        if (now - worsePickedAt > _forcePickMilliseconds && worseLoad.TryClaimForcedPick(worsePickedAt, now))
        {
            return worse;
        }

        _loads[better].MarkPicked(now);
        return better;
    }

    private static bool IsHealthy(EndpointLoad load) => load.Success > ThrottleSuccess;
}
