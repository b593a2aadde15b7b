using System.Net.Http;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// grpc-dotnet's call tracker for one instance, made once and shared by every call to it (so picking still
/// allocates nothing): sees each call's transport outcome and feeds the instance's <see cref="EndpointHealth"/>.
/// </summary>
/// <param name="health">The instance's ejection state.</param>
/// <param name="onEjected">Called with the backoff when a failure starts an ejection.</param>
/// <param name="metrics">Counts the ejections; none in tests that do not read them.</param>
/// <param name="service">The service the instance belongs to, for the count.</param>
internal sealed class EjectionTracker(EndpointHealth health, Action<TimeSpan> onEjected, EjectionMetrics? metrics = null, string service = "")
    : ISubchannelCallTracker
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
            metrics?.Ejected(service);
            onEjected(backoff);
        }
    }

    private static bool IsTransportFailure(Exception error) =>
        error is HttpRequestException or IOException or System.Net.Sockets.SocketException
        && error is not OperationCanceledException;
}
