using Discovery.ClientFactory.Picking;
using Grpc.Core;

namespace Discovery.ClientFactory.Tracking;

/// <summary>
/// One tracked call: the instance the picker chose and when, so the interceptor can report the call's real outcome
/// (its gRPC status, which grpc-dotnet's call tracker never sees) to that instance's load statistics.
/// </summary>
internal sealed class CallTracking
{
    private EndpointLoad? _load;
    private long _startedAt;

    /// <summary>
    /// Counts the call in flight on <paramref name="load"/>. A pick repeated after a queue or a not-ready subchannel
    /// moves the count; the earlier choice is forgotten without statistics.
    /// </summary>
    public void Attach(EndpointLoad load, long timestamp)
    {
        load.OnStarted();
        Interlocked.Exchange(ref _load, load)?.OnAbandoned();
        _startedAt = timestamp;
    }

    /// <summary>Reports the call's outcome once; later reports are ignored.</summary>
    public void Complete(StatusCode status, long timestamp) =>
        Interlocked.Exchange(ref _load, null)?.OnCompleted(_startedAt, timestamp, status);
}
