using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;
using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// The instances one filter (a version, a preferred zone) leaves for a picker, decided when the picker is built. One
/// of three kinds: a built-in picking algorithm over the ready ones, a user's picker over their subchannels, or a
/// fixed answer (wait while a matching instance connects, or fail naming why).
/// </summary>
internal abstract class CandidateSet
{
    /// <summary>
    /// Builds the set for <paramref name="version"/> (null: any) preferring <paramref name="zone"/> (null: none), among
    /// the instances of <paramref name="subset"/> when subsetting is on (null: all).
    /// </summary>
    public static CandidateSet Build(
        IReadOnlyList<EndpointSnapshot> all, string? version, string? zone, BalancerSettings settings, IReadOnlySet<string>? subset = null)
    {
        var matching = version is null && subset is null
            ? all
            : all.Where(s => (version is null || s.Endpoint.Version == version) && (subset is null || subset.Contains(s.Endpoint.Id))).ToList();
        if (matching.Count == 0)
        {
            return new FixedCandidates(UnavailableMessages.NoMatchingInstance(settings.Service, version, zone, all.Count));
        }

        var set = BuildMatching(matching, version, zone, settings);

        // Members without a connection (outside the client's own subset, or dropped): the first pick connects them.
        var idle = matching.Where(s => s.State == ConnectivityState.Idle).Select(s => s.Endpoint.Subchannel).ToArray();
        return idle.Length == 0 ? set : new ConnectingCandidates(set, idle);
    }

    /// <summary>Asks <paramref name="subchannel"/> to connect and queues the call until it has.</summary>
    public static PickResult Connect(Subchannel subchannel)
    {
        try
        {
            subchannel.RequestConnection();
        }
        catch (InvalidOperationException)
        {
            // Shut down: this picker is stale, and the balancer is publishing its successor.
        }

        return PickResult.ForQueue();
    }

    private static CandidateSet BuildMatching(IReadOnlyList<EndpointSnapshot> matching, string? version, string? zone, BalancerSettings settings)
    {
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
                ? new CustomCandidates(OutlierTrackingPicker.Wrap(custom(ready.ConvertAll(e => e.Subchannel)), ready))
                : new PickedCandidates(
                    definition.BuiltIn!(ready, settings.Services), definition.TracksLoad, definition.TimesCalls ? settings.Services.Time : null);
        }

        if (matching.Any(s => s.IsConnecting))
        {
            return new FixedCandidates(PickResult.ForQueue());
        }

        var lastError = matching.Select(s => s.LastError).LastOrDefault(e => e is not null);
        return new FixedCandidates(UnavailableMessages.NoneReachable(settings.Service, version, zone, matching.Count, lastError));
    }

    /// <summary>A set some of whose members have no connection: its first pick asks them to connect.</summary>
    private sealed class ConnectingCandidates(CandidateSet inner, Subchannel[] idle) : CandidateSet
    {
        private int _requested;

        public override PickResult Pick(PickContext context, string? hashKey, CallContext? call)
        {
            if (Volatile.Read(ref _requested) == 0 && Interlocked.Exchange(ref _requested, 1) == 0)
            {
                foreach (var subchannel in idle)
                {
                    Connect(subchannel);
                }
            }

            return inner.Pick(context, hashKey, call);
        }
    }

    /// <summary>Picks for a call with <paramref name="hashKey"/> (or none), attaching it to <paramref name="call"/> when tracked.</summary>
    public abstract PickResult Pick(PickContext context, string? hashKey, CallContext? call);

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

    /// <summary>A built-in algorithm over the ready instances.</summary>
    /// <param name="picker">The algorithm.</param>
    /// <param name="tracksLoad">True when calls are tracked for the picker.</param>
    /// <param name="time">The clock of a picker that times calls (p2c), null for the others.</param>
    private sealed class PickedCandidates(EndpointPicker picker, bool tracksLoad, TimeProvider? time) : CandidateSet
    {
        public override PickResult Pick(PickContext context, string? hashKey, CallContext? call)
        {
            // The pick's one clock read, a coarse one, shared by the picker's stamps and the call's sampling; none for
            // pickers that only count calls in flight.
            var now = time is null ? 0 : CoarseClock.Milliseconds(time);
            var endpoint = picker.Pick(hashKey, now);
            if (tracksLoad && call is { TracksLoad: true })
            {
                call.Attach(endpoint.Load.StartCall(timed: time is not null, now));
            }

            return endpoint.Result;
        }
    }

    /// <summary>A picker added with <c>AddDiscoveryPicker</c>, over the ready instances' subchannels.</summary>
    private sealed class CustomCandidates(SubchannelPicker picker) : CandidateSet
    {
        public override PickResult Pick(PickContext context, string? hashKey, CallContext? call) => picker.Pick(context);
    }

    /// <summary>The same answer for every call: wait, or fail naming why.</summary>
    private sealed class FixedCandidates(PickResult result) : CandidateSet
    {
        public override PickResult Pick(PickContext context, string? hashKey, CallContext? call) => result;
    }
}
