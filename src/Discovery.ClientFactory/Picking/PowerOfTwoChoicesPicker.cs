using Discovery.ClientFactory.LoadTracking;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// go-zero's p2c: draw two distinct instances (up to three times, until both look healthy), take the one with the
/// lower load, unless the other has not been picked for the force-pick interval, in which case it gets this call so
/// that an instance that recovered is noticed.
/// </summary>
internal sealed class PowerOfTwoChoicesPicker : EndpointPicker
{
    /// <summary>Draws tried before settling for a pair with an unhealthy member.</summary>
    internal const int PickTimes = 3;

    /// <summary>Success score at or under which an instance counts as unhealthy when drawing.</summary>
    internal const int ThrottleSuccess = 500;

    private readonly Endpoint[] _endpoints;
    private readonly IRandomSource _random;
    private readonly long _forcePickMilliseconds;

    public PowerOfTwoChoicesPicker(IReadOnlyList<Endpoint> endpoints, IRandomSource random, TimeSpan forcePickInterval)
    {
        _endpoints = [.. endpoints];
        _random = random;
        _forcePickMilliseconds = (long)forcePickInterval.TotalMilliseconds;
    }

    /// <inheritdoc/>
    /// <remarks><paramref name="now"/> is in <see cref="CoarseClock"/> milliseconds.</remarks>
    public override Endpoint Pick(string? hashKey, long now)
    {
        if (_endpoints.Length == 1)
        {
            _endpoints[0].Load.MarkPicked(now);
            return _endpoints[0];
        }

        Endpoint first, second;
        if (_endpoints.Length == 2)
        {
            (first, second) = (_endpoints[0], _endpoints[1]);
        }
        else
        {
            (first, second) = RandomPair.Draw(_endpoints, _random);
            for (var attempt = 1; attempt < PickTimes && !(IsHealthy(first) && IsHealthy(second)); attempt++)
            {
                (first, second) = RandomPair.Draw(_endpoints, _random);
            }
        }

        return Choose(first, second, now);
    }

    private Endpoint Choose(Endpoint first, Endpoint second, long now)
    {
        var (better, worse) = first.Load.Score <= second.Load.Score ? (first, second) : (second, first);
        var worsePickedAt = worse.Load.LastPickedAt;
        if (now - worsePickedAt > _forcePickMilliseconds && worse.Load.TryClaimForcedPick(worsePickedAt, now))
        {
            return worse;
        }

        better.Load.MarkPicked(now);
        return better;
    }

    private static bool IsHealthy(Endpoint endpoint) => endpoint.Load.Success > ThrottleSuccess;
}
