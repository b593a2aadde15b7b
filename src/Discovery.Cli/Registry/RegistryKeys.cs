using Discovery.Etcd.Records;

namespace Discovery.Cli.Registry;

/// <summary>Reads service names and instance ids back out of the keys of the layout <see cref="ServiceKeys"/> writes.</summary>
internal static class RegistryKeys
{
    /// <summary>The prefix of every Discovery control record (or, with <paramref name="service"/>, of that service's).</summary>
    public static string ControlPrefix(string keyPrefix, string? service = null) =>
        keyPrefix + ServiceKeys.ReservedSegment + "/control/" + (service is null ? string.Empty : service + "/");

    /// <summary>The prefix of every Discovery status record (or, with <paramref name="service"/>, of that service's).</summary>
    public static string StatusPrefix(string keyPrefix, string? service = null) =>
        keyPrefix + ServiceKeys.ReservedSegment + "/status/" + (service is null ? string.Empty : service + "/");

    /// <summary>True for keys of Discovery's own records (control, status), which are no service's.</summary>
    public static bool IsReserved(string key, string keyPrefix) =>
        key.StartsWith(keyPrefix + ServiceKeys.ReservedSegment + "/", StringComparison.Ordinal);

    /// <summary>Splits an endpoint key <c>{prefix}{service}/{name}</c>; false for keys outside that shape.</summary>
    public static bool TrySplitEndpointKey(string key, string keyPrefix, out string service, out string name)
    {
        service = name = string.Empty;
        if (!key.StartsWith(keyPrefix, StringComparison.Ordinal) || IsReserved(key, keyPrefix))
        {
            return false;
        }

        var relative = key[keyPrefix.Length..];
        var slash = relative.LastIndexOf('/');
        if (slash <= 0 || slash == relative.Length - 1)
        {
            return false;
        }

        service = relative[..slash];
        name = relative[(slash + 1)..];
        return true;
    }

    /// <summary>Splits <c>{recordPrefix}{service}/{id}</c> (a control or status key); false for other shapes.</summary>
    public static bool TrySplitInstanceKey(string key, string recordPrefix, out string service, out string id)
    {
        service = id = string.Empty;
        if (!key.StartsWith(recordPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var relative = key[recordPrefix.Length..];
        var slash = relative.LastIndexOf('/');
        if (slash <= 0 || slash == relative.Length - 1)
        {
            return false;
        }

        service = relative[..slash];
        id = relative[(slash + 1)..];
        return true;
    }
}
