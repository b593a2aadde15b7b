namespace Discovery.ClientFactory.Routing;

/// <summary>
/// The metadata headers a call routes by. Defined here, below the public <c>DiscoveryRouting</c> that repeats them, so
/// reading a call's routing depends on nothing above it.
/// </summary>
internal static class RoutingHeaders
{
    public const string Instance = "discovery-instance";

    public const string Version = "discovery-version";

    public const string HashKey = "discovery-hash-key";
}
