using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// The instances one filter (a version, a preferred zone) leaves for a picker, decided when the picker is built:
/// either a picking algorithm over the ready ones, or a fixed answer (wait while a matching instance connects, or
/// fail naming why).
/// </summary>
internal sealed class CandidateSet
{
    private readonly EndpointPicker? _picker;
    private readonly SubchannelPicker? _custom;
    private readonly PickResult? _fixed;
    private readonly bool _tracksLoad;
    private readonly TimeProvider? _time;

    /// <param name="picker">The built-in picker, or null.</param>
    /// <param name="custom">The user's picker, or null.</param>
    /// <param name="fixedResult">The fixed answer, or null.</param>
    /// <param name="tracksLoad">True when calls are tracked for the picker.</param>
    /// <param name="time">The clock of a picker that times calls (p2c), null for the others.</param>
    private CandidateSet(EndpointPicker? picker, SubchannelPicker? custom, PickResult? fixedResult, bool tracksLoad, TimeProvider? time)
    {
        _picker = picker;
        _custom = custom;
        _fixed = fixedResult;
        _tracksLoad = tracksLoad;
        _time = time;
    }

    public static CandidateSet Fixed(PickResult result) => new(null, null, result, false, null);

    /// <summary>Builds the set for <paramref name="version"/> (null: any) preferring <paramref name="zone"/> (null: none).</summary>
    public static CandidateSet Build(IReadOnlyList<EndpointSnapshot> all, string? version, string? zone, BalancerSettings settings)
    {
        var matching = version is null ? all : all.Where(s => s.Endpoint.Version == version).ToList();
        if (matching.Count == 0)
        {
            return Fixed(UnavailableMessages.NoMatchingInstance(settings.Service, version, zone, all.Count));
        }

        var ready = Prefer(matching, zone, s => s.IsServing);
        if (ready.Count == 0)
        {
            // Ejection never fails calls on its own: with every ready instance ejected, they all stay candidates.
            ready = Prefer(matching, zone, s => s.IsReady);
        }

        if (ready.Count > 0)
        {
            var definition = settings.Picker;
            return definition.Custom is { } custom
                ? new CandidateSet(null, OutlierTrackingPicker.Wrap(custom(ready.Select(e => e.Subchannel!).ToList()), ready), null, false, null)
                : new CandidateSet(
                    definition.BuiltIn!(ready, settings.Services), null, null, definition.TracksLoad, definition.TimesCalls ? settings.Services.Time : null);
        }

        if (matching.Any(s => s.IsConnecting))
        {
            return Fixed(PickResult.ForQueue());
        }

        var lastError = matching.Select(s => s.LastError).LastOrDefault(e => e is not null);
        return Fixed(UnavailableMessages.NoneReachable(settings.Service, version, zone, matching.Count, lastError));
    }

    /// <summary>The endpoints passing <paramref name="accept"/>, those of <paramref name="zone"/> when it has any.</summary>
    private static List<Endpoint> Prefer(IReadOnlyList<EndpointSnapshot> matching, string? zone, Func<EndpointSnapshot, bool> accept)
    {
        var accepted = matching.Where(accept).Select(s => s.Endpoint).ToList();
        if (zone is not null)
        {
            var inZone = accepted.Where(e => e.Zone == zone).ToList();
            if (inZone.Count > 0)
            {
                return inZone;
            }
        }

        return accepted;
    }

    public PickResult Pick(PickContext context, string? hashKey, CallContext? call)
    {
        if (_picker is not null)
        {
            // The pick's one clock read, a coarse one, shared by the picker's stamps and the call's sampling; none for
            // pickers that only count calls in flight.
            var now = _time is null ? 0 : CoarseClock.Milliseconds(_time);
            var endpoint = _picker.Pick(hashKey, now);
            if (_tracksLoad && call is { TracksLoad: true })
            {
                call.Attach(endpoint.Load.StartCall(timed: _time is not null, now));
            }

            return endpoint.Result;
        }

        return _custom is not null ? _custom.Pick(context) : _fixed!;
    }
}
