using Discovery.Etcd.Records;

namespace Discovery.Hosting.Registration;

/// <summary>
/// What the records of https endpoints say about TLS: <c>scheme=https</c>, and <c>tlsname</c>, the name clients
/// validate the certificate against. The name is <see cref="EtcdRegistrationOptions.TlsName"/> when set; otherwise
/// the host the endpoint was bound to when that is a DNS name (<c>https://echo.internal:5001</c>,
/// <c>https://localhost:5001</c>), else <see cref="EtcdRegistrationOptions.AdvertisedHost"/> when that is a DNS name,
/// else none: an IP address is never a TLS name, and such records leave the name to the clients' configuration.
/// </summary>
internal static class RegistrationTls
{
    /// <summary>The TLS name to register for <paramref name="endpoint"/>, or null (plaintext, or no DNS name known).</summary>
    public static string? TlsNameFor(AdvertisedEndpoint endpoint, string? configured, string? advertisedHost)
    {
        if (!endpoint.Https)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        if (IsDnsName(endpoint.BoundHost))
        {
            return endpoint.BoundHost;
        }

        return IsDnsName(advertisedHost) ? advertisedHost : null;
    }

    /// <summary><paramref name="metadata"/> plus the transport keys of <paramref name="endpoint"/> (none for plaintext).</summary>
    public static EndpointMetadata WithTransport(EndpointMetadata metadata, AdvertisedEndpoint endpoint, string? tlsName)
    {
        if (!endpoint.Https)
        {
            return metadata;
        }

        var properties = new Dictionary<string, string>(metadata.Properties, StringComparer.Ordinal)
        {
            [TransportMetadata.SchemeKey] = TransportMetadata.Https,
        };
        if (tlsName is not null)
        {
            properties[TransportMetadata.TlsNameKey] = tlsName;
        }

        return new EndpointMetadata(metadata.InstanceId, metadata.Version, metadata.Weight, metadata.Zone, properties);
    }

    /// <summary>True for a DNS host name (not an IP address, not a wildcard).</summary>
    public static bool IsDnsName(string? host) =>
        !string.IsNullOrEmpty(host) && host is not ("*" or "+") && Uri.CheckHostName(host) == UriHostNameType.Dns;
}
