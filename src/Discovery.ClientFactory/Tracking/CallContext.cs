using Discovery.ClientFactory.Routing;

namespace Discovery.ClientFactory.Tracking;

/// <summary>
/// What the interceptor hands the picker about the call it is starting: its routing (read once from its metadata and
/// the ambient scope) and, for the call-tracking pickers, the <see cref="CallTracking"/> that carries the call's real
/// outcome back to the chosen instance.
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
    public static readonly CallContext None = new(default, null);

    [ThreadStatic]
    private static CallContext? t_current;

    [ThreadStatic]
    private static CallContext? t_reusable;

    private CallContext(CallRouting routing, CallTracking? tracking)
    {
        Routing = routing;
        Tracking = tracking;
    }

    /// <summary>The call being started on this thread; null outside an interceptor's call start.</summary>
    public static CallContext? Current
    {
        get => t_current;
        internal set => t_current = value;
    }

    public CallRouting Routing { get; private set; }

    public CallTracking? Tracking { get; private set; }

    /// <summary>A context for tests and benchmarks, not tied to the slot.</summary>
    public static CallContext For(CallRouting routing, CallTracking? tracking) => new(routing, tracking);

    /// <summary>Fills the slot for a call's synchronous start; returns what to restore with <see cref="Exit"/>.</summary>
    public static CallContext? Enter(CallRouting routing, CallTracking? tracking)
    {
        var previous = t_current;
        CallContext context;
        if (routing.IsEmpty && tracking is null)
        {
            context = None;
        }
        else
        {
            // One reusable instance per thread; a call started from inside another's start gets its own.
            context = t_reusable is { } reusable && !ReferenceEquals(previous, reusable)
                ? reusable
                : t_reusable = new CallContext(default, null);
            context.Routing = routing;
            context.Tracking = tracking;
        }

        t_current = context;
        return previous;
    }

    public static void Exit(CallContext? previous)
    {
        if (t_current is { } current && !ReferenceEquals(current, None))
        {
            current.Tracking = null;
        }

        t_current = previous;
    }
}
