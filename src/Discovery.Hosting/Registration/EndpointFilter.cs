using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Discovery.Hosting.Registration;

/// <summary>Which bound Kestrel addresses <see cref="EtcdRegistrationOptions.Endpoints"/> selects: a port or a bound URL each.</summary>
internal sealed class EndpointFilter
{
    private readonly HashSet<int> _ports = [];
    private readonly List<BindingAddress> _urls = [];

    public EndpointFilter(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            if (TryParsePort(entry, out var port))
            {
                _ports.Add(port);
            }
            else if (AdvertisedAddresses.TryParse(entry, out var url))
            {
                _urls.Add(url);
            }
        }
    }

    /// <summary>True when no entry was given: every address is registered.</summary>
    public bool IncludesAll => _ports.Count == 0 && _urls.Count == 0;

    public static bool IsValidEntry(string? entry) =>
        !string.IsNullOrWhiteSpace(entry)
        && (TryParsePort(entry, out _) || (AdvertisedAddresses.TryParse(entry, out var url) && url.Scheme is "http" or "https"));

    public bool Includes(BindingAddress bound) =>
        IncludesAll
        || _ports.Contains(bound.Port)
        || _urls.Any(u => u.Port == bound.Port
            && string.Equals(u.Scheme, bound.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(u.Host, bound.Host, StringComparison.OrdinalIgnoreCase));

    private static bool TryParsePort(string entry, out int port) =>
        int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
}
