using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// The swap of an ejected instance's subchannel for a fresh one. grpc-dotnet can keep a subchannel READY while every
/// connection it hands out is refused (an address removed and re-added, then shut down: thousands of failed calls
/// in seconds); ejection alone would readmit it after each backoff. The fresh subchannel connects anew and reports
/// the instance's real state, so a stopped instance shows as unreachable and a restarted one as ready. Calls in
/// flight on the old subchannel keep their HTTP/2 streams: disposing it closes no stream.
/// </summary>
/// <param name="replaced">The subchannel being dropped.</param>
/// <param name="registration">Its state-change subscription.</param>
internal sealed class SubchannelRenewal(Subchannel replaced, IDisposable registration)
{
    /// <summary>Releases the old subchannel and starts connecting the new one; called outside the balancer's lock.</summary>
    public void Complete(Subchannel fresh)
    {
        registration.Dispose();
        replaced.Dispose();
        fresh.RequestConnection();
    }
}
