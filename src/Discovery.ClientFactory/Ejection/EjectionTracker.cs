using System.Net.Http;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// grpc-dotnet's call tracker for one instance, made once and shared by every call to it (so picking still
/// allocates nothing): sees each call's transport outcome and feeds the instance's <see cref="EndpointHealth"/>.
/// </summary>
internal sealed class EjectionTracker(EndpointHealth health, Action<TimeSpan> onEjected) : ISubchannelCallTracker
{
    public void Start()
    {
    }

    public void Complete(CompletionContext context)
    {
        if (context.Error is null)
        {
            health.ReportSuccess();
        }
        else if (IsTransportFailure(context.Error) && health.ReportTransportFailure() is { } backoff)
        {
            onEjected(backoff);
        }
    }

    private static bool IsTransportFailure(Exception error) =>
        error is HttpRequestException or IOException or System.Net.Sockets.SocketException
        && error is not OperationCanceledException;
}
