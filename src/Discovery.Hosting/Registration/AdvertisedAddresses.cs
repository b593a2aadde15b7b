using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Turns the addresses Kestrel bound (<c>http://0.0.0.0:5000</c>, <c>http://localhost:5001</c>, …) into the
/// <c>host:port</c> addresses clients can dial: wildcards become the advertised host, loopback names become
/// loopback IPs, other hosts stay as bound; duplicates are dropped.
/// </summary>
internal static class AdvertisedAddresses
{
    /// <summary>The addresses to register, in bound order, each once.</summary>
    /// <param name="boundUrls">The bound URLs (IServerAddressesFeature.Addresses).</param>
    /// <param name="filter">Which bound URLs to register.</param>
    /// <param name="advertisedHost">The configured host for wildcard bindings, or null for the machine's first non-loopback IPv4.</param>
    /// <param name="defaultHost">Supplies the machine's address when needed (a seam for tests).</param>
    public static IReadOnlyList<string> Resolve(
        IEnumerable<string> boundUrls,
        EndpointFilter filter,
        string? advertisedHost,
        Func<string> defaultHost) =>
        [.. ResolveEndpoints(boundUrls, filter, advertisedHost, defaultHost).Select(e => e.Address)];

    /// <summary>
    /// The endpoints to register, in bound order, each once, with whether each serves TLS and the host it was bound
    /// to (a TLS name may be derived from it).
    /// </summary>
    public static IReadOnlyList<AdvertisedEndpoint> ResolveEndpoints(
        IEnumerable<string> boundUrls,
        EndpointFilter filter,
        string? advertisedHost,
        Func<string> defaultHost)
    {
        var result = new List<AdvertisedEndpoint>();
        string? wildcardHost = null;
        foreach (var url in boundUrls)
        {
            if (!TryParse(url, out var bound) || !filter.Includes(bound))
            {
                continue;
            }

            string host;
            if (IsWildcard(bound.Host))
            {
                host = wildcardHost ??= FormatHost(string.IsNullOrEmpty(advertisedHost) ? defaultHost() : advertisedHost);
            }
            else if (string.Equals(bound.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                host = "127.0.0.1";
            }
            else if (IPAddress.TryParse(bound.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))
            {
                host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[::1]" : "127.0.0.1";
            }
            else
            {
                host = FormatHost(bound.Host);
            }

            var address = string.Create(CultureInfo.InvariantCulture, $"{host}:{bound.Port}");
            if (!result.Exists(e => string.Equals(e.Address, address, StringComparison.OrdinalIgnoreCase)))
            {
                result.Add(new AdvertisedEndpoint(
                    address, string.Equals(bound.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase), bound.Host));
            }
        }

        return result;
    }

    /// <summary>Parses a bound URL; false for Unix sockets, named pipes and anything without a TCP port.</summary>
    public static bool TryParse(string url, out BindingAddress bound)
    {
        bound = null!;
        try
        {
            bound = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        return !bound.IsUnixPipe && !bound.IsNamedPipe && bound.Port is > 0 and <= 65535 && bound.Host.Length > 0;
    }

    /// <summary>True for a host a client can dial: an IP address or a DNS name, not a wildcard.</summary>
    public static bool IsValidAdvertisedHost(string host) =>
        !IsWildcard(host) && Uri.CheckHostName(host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host) != UriHostNameType.Unknown;

    /// <summary>The machine's first non-loopback IPv4 address of an interface that is up, or 127.0.0.1 when it has none.</summary>
    public static string MachineAddress()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(unicast.Address))
                {
                    return unicast.Address.ToString();
                }
            }
        }

        return "127.0.0.1";
    }

    private static bool IsWildcard(string host) =>
        host is "*" or "+" or "0.0.0.0" or "::" or "[::]";

    private static string FormatHost(string host) =>
        !host.StartsWith('[') && IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{ip}]"
            : host;
}

/// <summary>One address to register.</summary>
/// <param name="Address">The <c>host:port</c> clients dial.</param>
/// <param name="Https">True when Kestrel serves TLS there.</param>
/// <param name="BoundHost">The host of the bound URL, as bound.</param>
internal sealed record AdvertisedEndpoint(string Address, bool Https, string BoundHost);
