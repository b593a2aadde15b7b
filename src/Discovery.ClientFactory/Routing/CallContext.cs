using Discovery.ClientFactory.LoadTracking;

namespace Discovery.ClientFactory.Routing;

/// <summary>
/// What the interceptor hands the picker about the call it is starting: its routing (read once from its metadata and
/// the ambient scope) and, for the call-tracking pickers, a place for the pick to attach the chosen instance's
/// <see cref="CallTracking"/>, which the interceptor takes back to report the call's real outcome.
/// </summary>
/// <remarks>
/// It lives in a thread-static slot for the synchronous start of the call only. grpc-dotnet picks synchronously
/// inside that start whenever a picker is ready, so the slot costs no allocation (an AsyncLocal would allocate an
/// execution context per call). A pick that runs later (queued while connecting, after asynchronous call credentials,
/// on a retry) finds the slot empty and reads the routing headers from the request and the ambient scope instead;
/// such a call is routed correctly but not tracked.
/// </remarks>
internal sealed class CallContext
{
    /// <summary>The slot's value for a call with nothing to route or track: the picker's fast path.</summary>
    public static readonly CallContext None = new(default, false);

    [ThreadStatic]
    private static CallContext? t_current;

    [ThreadStatic]
    private static CallContext? t_reusable;

    private CallTracking _attached;

    private CallContext(CallRouting routing, bool tracksLoad)
    {
        Routing = routing;
        TracksLoad = tracksLoad;
    }

    /// <summary>The call being started on this thread; null outside an interceptor's call start.</summary>
    public static CallContext? Current
    {
        get => t_current;
        internal set => t_current = value;
    }

    public CallRouting Routing { get; private set; }

    /// <summary>True when the client's picker tracks load: the pick attaches the chosen instance.</summary>
    public bool TracksLoad { get; private set; }

    /// <summary>A context for tests and benchmarks, not tied to the slot.</summary>
    public static CallContext For(CallRouting routing, bool tracksLoad) => new(routing, tracksLoad);

    /// <summary>
    /// Attaches the pick's instance. A pick repeated within the same start (after a not-ready subchannel) moves the
    /// call: the earlier instance is let go without statistics.
    /// </summary>
    public void Attach(CallTracking tracking)
    {
        _attached.Abandon();
        _attached = tracking;
    }

    /// <summary>Takes the attached tracking out, leaving none: its end is the caller's to report.</summary>
    public CallTracking TakeAttached()
    {
        var attached = _attached;
        _attached = default;
        return attached;
    }

    /// <summary>Fills the slot for a call's synchronous start; returns what to restore with <see cref="Exit"/>.</summary>
    public static CallContext? Enter(CallRouting routing, bool tracksLoad)
    {
        var previous = t_current;
        CallContext context;
        if (routing.IsEmpty && !tracksLoad)
        {
            context = None;
        }
        else
        {
            // One reusable instance per thread; a call started from inside another's start gets its own.
            context = t_reusable is { } reusable && !ReferenceEquals(previous, reusable)
                ? reusable
                : t_reusable = new CallContext(default, false);
            // Skipping the store when both are empty (a tracked call without routing) saves three GC write barriers.
            if (!routing.IsEmpty || !context.Routing.IsEmpty)
            {
                context.Routing = routing;
            }

            context.TracksLoad = tracksLoad;
        }

        t_current = context;
        return previous;
    }

    /// <summary>Restores the slot and hands back what the call's pick attached (empty when nothing did).</summary>
    public static CallTracking Exit(CallContext? previous)
    {
        var attached = t_current is { } current && !ReferenceEquals(current, None) ? current.TakeAttached() : default;
        t_current = previous;
        return attached;
    }
}
