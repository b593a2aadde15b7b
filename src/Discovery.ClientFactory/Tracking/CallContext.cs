using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;

namespace Discovery.ClientFactory.Tracking;

/// <summary>
/// What the interceptor and the picker share about one call: its routing, read once from its metadata and the
/// ambient scope, and the instance the picker chose, so the call's real outcome (its gRPC status, which grpc-dotnet's
/// call tracker never sees) reaches that instance's load statistics. Flows to the pick through an AsyncLocal.
/// </summary>
internal sealed class CallContext
{
    private static readonly AsyncLocal<CallContext?> Ambient = new();

    private EndpointLoad? _load;
    private long _startedAt;

    public CallContext(CallRouting routing, bool tracksLoad)
    {
        Routing = routing;
        TracksLoad = tracksLoad;
    }

    /// <summary>The context of the call being started in this flow, or null for a call with nothing to route or track.</summary>
    public static CallContext? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    public CallRouting Routing { get; }

    public bool TracksLoad { get; }

    /// <summary>
    /// Counts the call in flight on <paramref name="load"/>. A pick repeated after a queue or a not-ready subchannel
    /// moves the count; the earlier choice is forgotten without statistics.
    /// </summary>
    public void Attach(EndpointLoad load, long timestamp)
    {
        if (!TracksLoad)
        {
            return;
        }

        load.OnStarted();
        Interlocked.Exchange(ref _load, load)?.OnAbandoned();
        _startedAt = timestamp;
    }

    /// <summary>Reports the call's outcome once; later reports are ignored.</summary>
    public void Complete(Grpc.Core.StatusCode status, long timestamp) =>
        Interlocked.Exchange(ref _load, null)?.OnCompleted(_startedAt, timestamp, status);
}
