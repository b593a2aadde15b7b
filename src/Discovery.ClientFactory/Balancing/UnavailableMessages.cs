using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Balancing;

/// <summary>The Unavailable statuses a call fails with, each naming the service, the filter and the reason.</summary>
internal static class UnavailableMessages
{
    public static string Filter(string? version, string? zone) => (version, zone) switch
    {
        (null, null) => "no filter",
        (not null, null) => $"version '{version}'",
        (null, not null) => $"zone '{zone}' preferred",
        _ => $"version '{version}', zone '{zone}' preferred",
    };

    public static PickResult NoInstance(string service, string? version, string? zone, string reason) =>
        Fail($"No instance of service '{service}' is available ({Filter(version, zone)}): {reason}.");

    public static PickResult NoMatchingInstance(string service, string? version, string? zone, int registered) =>
        Fail($"No instance of service '{service}' is available ({Filter(version, zone)}): none of its {registered} registered instance(s) matches the filter.");

    public static PickResult NoneReachable(string service, string? version, string? zone, int matching, string? lastError) =>
        Fail($"No instance of service '{service}' is available ({Filter(version, zone)}): none of the {matching} matching instance(s) is reachable{Suffix(lastError)}.");

    public static PickResult PinnedAbsent(string service, string instanceId) =>
        Fail($"Instance '{instanceId}' of service '{service}' is not available (pinned by the call): it is not registered.");

    public static PickResult PinnedUnreachable(string service, string instanceId, string? lastError) =>
        Fail($"Instance '{instanceId}' of service '{service}' is not available (pinned by the call): it is unreachable{Suffix(lastError)}.");

    public static PickResult PinnedEjected(string service, string instanceId) =>
        Fail($"Instance '{instanceId}' of service '{service}' is not available (pinned by the call): it is ejected after a transport failure.");

    private static string Suffix(string? lastError) => string.IsNullOrEmpty(lastError) ? string.Empty : $" ({lastError})";

    private static PickResult Fail(string message) => PickResult.ForFailure(new Status(StatusCode.Unavailable, message));
}
