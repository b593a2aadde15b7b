namespace Discovery.Etcd.Records;

/// <summary>
/// The etcd key layout of etcd's Go naming format: <c>{keyPrefix}{service}/{name}</c>, where the name is
/// conventionally the endpoint's <c>host:port</c> and never holds a further <c>/</c>.
/// </summary>
internal static class ServiceKeys
{
    /// <summary>The key prefix, normalized to end with <c>/</c> unless empty.</summary>
    public static string NormalizeKeyPrefix(string? keyPrefix) =>
        string.IsNullOrEmpty(keyPrefix) ? string.Empty : keyPrefix.EndsWith('/') ? keyPrefix : keyPrefix + "/";

    /// <summary>
    /// The prefix under which one service's records live, with its trailing slash, so that <c>echo</c> never sees
    /// <c>echo-v2/…</c> (etcd issue 15022).
    /// </summary>
    public static string ServicePrefix(string? keyPrefix, string service) =>
        NormalizeKeyPrefix(keyPrefix) + service + "/";

    /// <summary>The key of one endpoint's record.</summary>
    public static string EndpointKey(string? keyPrefix, string service, string address) =>
        ServicePrefix(keyPrefix, service) + address;

    /// <summary>
    /// The first key segment reserved for Discovery's own records (control and status), outside every service's
    /// prefix so etcd's Go resolver, which takes every key under <c>{service}/</c> for an endpoint, never reads them.
    /// </summary>
    public const string ReservedSegment = "_discovery";

    /// <summary>The key of an instance's control record (written by operators, under no lease).</summary>
    public static string ControlKey(string? keyPrefix, string service, string instanceId) =>
        NormalizeKeyPrefix(keyPrefix) + ReservedSegment + "/control/" + service + "/" + instanceId;

    /// <summary>The key of an instance's status record (written by the instance, under its lease).</summary>
    public static string StatusKey(string? keyPrefix, string service, string instanceId) =>
        NormalizeKeyPrefix(keyPrefix) + ReservedSegment + "/status/" + service + "/" + instanceId;

    /// <summary>
    /// True when <paramref name="key"/> is a record of the service whose prefix is <paramref name="servicePrefix"/>,
    /// and not of a service nested below it (<c>prod/</c> never sees <c>prod/echo/…</c>).
    /// </summary>
    public static bool IsDirectChild(ReadOnlySpan<char> key, string servicePrefix) =>
        key.Length > servicePrefix.Length
        && key.StartsWith(servicePrefix, StringComparison.Ordinal)
        && !key[servicePrefix.Length..].Contains('/');

    /// <summary>
    /// Why <paramref name="service"/> cannot be a service name, or null when it can. A name may hold <c>/</c>
    /// for hierarchies, but not at its ends nor twice in a row, and no white space or control characters.
    /// </summary>
    public static string? ValidateServiceName(string? service)
    {
        if (string.IsNullOrWhiteSpace(service))
        {
            return "is required";
        }

        if (service.StartsWith('/') || service.EndsWith('/') || service.Contains("//", StringComparison.Ordinal))
        {
            return $"'{service}' may not start or end with '/' nor hold '//'";
        }

        if (service == ReservedSegment || service.StartsWith(ReservedSegment + "/", StringComparison.Ordinal))
        {
            return $"'{service}' may not start with '{ReservedSegment}', the segment of Discovery's control and status records";
        }

        foreach (var c in service)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"'{service}' may not hold white space or control characters";
            }
        }

        return null;
    }
}
