namespace Discovery.Etcd.Records;

/// <summary>
/// The record metadata keys that say how to reach an endpoint: <c>scheme=https</c> for an endpoint that serves TLS
/// (absent for plaintext, so records of older servers and of Go's <c>endpoints.Manager</c> read as plaintext), and
/// <c>tlsname</c>, the DNS name its certificate carries. <c>Addr</c> stays <c>host:port</c>, as Go's naming needs;
/// Go clients ignore both keys unless they choose to read them.
/// </summary>
internal static class TransportMetadata
{
    public const string SchemeKey = "scheme";
    public const string TlsNameKey = "tlsname";
    public const string Https = "https";

    /// <summary>True for the keys the registration writes itself, which configured metadata may not set.</summary>
    public static bool IsTransportKey(string key) => key is SchemeKey or TlsNameKey;

    /// <summary>True when the record's metadata says the endpoint serves TLS (the value is compared case-insensitively).</summary>
    public static bool IsHttps(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(SchemeKey, out var scheme) && string.Equals(scheme, Https, StringComparison.OrdinalIgnoreCase);

    /// <summary>The registered TLS name, or null when the record has none (or an empty one).</summary>
    public static string? TlsNameOf(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(TlsNameKey, out var name) && !string.IsNullOrWhiteSpace(name) ? name : null;
}
