using Microsoft.AspNetCore.Http;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Which bound URLs to register: those <see cref="EtcdRegistrationOptions.Endpoints"/> selects, minus those that
/// proved to speak only HTTP/1.x (see <see cref="Http2Probe"/>), with the advice that names the setting to change.
/// </summary>
internal static class GrpcEndpointSelection
{
    /// <summary>
    /// Probes every selected URL at once and splits them into those to register (<c>Usable</c>, among them the
    /// <c>Undetermined</c> ones the probe could not read) and those that speak only HTTP/1.x, each in bound order.
    /// </summary>
    /// <param name="boundUrls">The bound URLs (IServerAddressesFeature.Addresses).</param>
    /// <param name="filter">Which bound URLs the options select.</param>
    /// <param name="probe">Asks one bound endpoint whether it speaks HTTP/2 (a seam for tests).</param>
    /// <param name="cancellationToken">Stops the probes.</param>
    public static async Task<(IReadOnlyList<string> Usable, IReadOnlyList<string> Http1Only, IReadOnlyList<string> Undetermined)> SelectAsync(
        IEnumerable<string> boundUrls,
        EndpointFilter filter,
        Func<BindingAddress, CancellationToken, Task<Http2Support>> probe,
        CancellationToken cancellationToken)
    {
        var selected = new List<(string Url, BindingAddress Bound)>();
        foreach (var url in boundUrls)
        {
            if (AdvertisedAddresses.TryParse(url, out var bound) && filter.Includes(bound))
            {
                selected.Add((url, bound));
            }
        }

        var answers = await Task.WhenAll(selected.Select(s => probe(s.Bound, cancellationToken))).ConfigureAwait(false);
        var usable = new List<string>();
        var http1Only = new List<string>();
        var undetermined = new List<string>();
        for (var i = 0; i < selected.Count; i++)
        {
            (answers[i] == Http2Support.Http1Only ? http1Only : usable).Add(selected[i].Url);
            if (answers[i] == Http2Support.Unknown)
            {
                undetermined.Add(selected[i].Url);
            }
        }

        return (usable, http1Only, undetermined);
    }

    /// <summary>Why gRPC cannot reach <paramref name="url"/>, and which setting makes it speak HTTP/2.</summary>
    public static string Advice(string url) =>
        url.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
            ? "It chose http/1.1 when offered h2 in TLS, so its protocols leave HTTP/2 out: set Kestrel:EndpointDefaults:Protocols "
              + "(or Kestrel:Endpoints:{name}:Protocols for that endpoint, or ListenOptions.Protocols in code) to Http1AndHttp2 or Http2."
            : "Without TLS, Kestrel speaks HTTP/2 only on an endpoint whose protocols are exactly Http2; its default, Http1AndHttp2, "
              + "means HTTP/1.1 there: set Kestrel:EndpointDefaults:Protocols to Http2 (or Kestrel:Endpoints:{name}:Protocols for "
              + "that endpoint, or ListenOptions.Protocols = HttpProtocols.Http2 in code).";

    /// <summary>The start-up failure when every selected endpoint speaks only HTTP/1.x.</summary>
    public static string NoneLeftMessage(string service, IReadOnlyList<string> http1Only) =>
        $"No endpoint of {service} can serve gRPC, which needs HTTP/2: {string.Join(", ", http1Only)} "
        + $"{(http1Only.Count == 1 ? "speaks" : "speak")} only HTTP/1.1. {Advice(http1Only[0])}";
}
