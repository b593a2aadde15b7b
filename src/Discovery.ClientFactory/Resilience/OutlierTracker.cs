using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Resilience;

/// <summary>
/// The call tracker of one subchannel, shared by all its calls (so a pick allocates nothing): a call that fails
/// before response headers for a transport reason reports the subchannel as an outlier; one that gets headers
/// counts as a success. grpc-dotnet completes trackers at the response headers, so a gRPC error status in trailers
/// is not seen here; it is the server answering, not the transport failing.
/// </summary>
internal sealed class OutlierTracker(Subchannel subchannel, Ejection ejection, Action<Subchannel, Exception> onTransportFailure)
    : ISubchannelCallTracker
{
    public void Start()
    {
    }

    public void Complete(CompletionContext context)
    {
        if (context.Error is null)
        {
            ejection.OnSucceeded();
        }
        else if (TransportFailure.IsTransport(context.Error))
        {
            onTransportFailure(subchannel, context.Error);
        }
    }
}
