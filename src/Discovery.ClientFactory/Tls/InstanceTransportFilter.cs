using Discovery.Etcd;
using Discovery.Etcd.Records;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;

namespace Discovery.ClientFactory.Tls;

/// <summary>
/// Decides, per instance, whether one client's channel can call it, and with which TLS name. A channel is either
/// TLS or plaintext as a whole (grpc-dotnet derives the scheme of every connection from the channel's credentials),
/// so a mixed fleet is split, never downgraded: a TLS client calls only instances registered with
/// <c>scheme=https</c>, a plaintext client only the others, and each refused instance is logged once (while it stays
/// in the view) and counted by <see cref="TransportMetrics"/>. A TLS client's name for an instance is its configured
/// <see cref="EtcdClientTlsOptions.ServerName"/>, else the instance's registered <c>tlsname</c>; an instance with
/// neither is refused, since validating a certificate against an IP address proves nothing.
/// </summary>
/// <remarks>Not thread-safe: its resolver calls it under its own lock.</remarks>
internal sealed partial class InstanceTransportFilter
{
    /// <summary>grpc-dotnet's balancer address attribute that sets the request's Host, and so the TLS name (SNI and validation).</summary>
    internal static readonly BalancerAttributesKey<string> HostOverrideKey = new("HostOverride");

    public const string PlaintextRefused = "plaintext";
    public const string TlsRefused = "tls";
    public const string NoTlsNameRefused = "no_tls_name";

    private readonly string _service;
    private readonly string _section;
    private readonly EtcdClientTlsOptions? _tls;
    private readonly ILogger _logger;
    private readonly TransportMetrics _metrics;
    private HashSet<string> _refused = new(StringComparer.Ordinal);

    /// <param name="service">The service, for logs and the metric.</param>
    /// <param name="section">The client's configuration section, for logs.</param>
    /// <param name="tls">The client's TLS options, or null for a plaintext client.</param>
    /// <param name="logger">Where refusals are logged.</param>
    /// <param name="metrics">Where refusals are counted.</param>
    public InstanceTransportFilter(string service, string section, EtcdClientTlsOptions? tls, ILogger logger, TransportMetrics metrics)
    {
        _service = service;
        _section = section;
        _tls = tls is { Enabled: true } ? tls : null;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>The addresses of the instances this client can call, TLS names set; refusals logged and counted.</summary>
    public BalancerAddress[] Select(IReadOnlyList<ServiceInstance> instances, Func<ServiceInstance, BalancerAddress> toAddress)
    {
        var result = new List<BalancerAddress>(instances.Count);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            var https = TransportMetadata.IsHttps(instance.Metadata);
            string? reason = null;
            string? tlsName = null;
            if (_tls is null)
            {
                reason = https ? TlsRefused : null;
            }
            else if (!https)
            {
                reason = PlaintextRefused;
            }
            else
            {
                tlsName = string.IsNullOrEmpty(_tls.ServerName) ? TransportMetadata.TlsNameOf(instance.Metadata) : _tls.ServerName;
                reason = tlsName is null ? NoTlsNameRefused : null;
            }

            if (reason is not null)
            {
                var key = $"{instance.Address}|{reason}";
                refused.Add(key);
                if (!_refused.Contains(key))
                {
                    Refuse(instance, reason);
                }

                continue;
            }

            var address = toAddress(instance);
            if (tlsName is not null)
            {
                address.Attributes.Set(HostOverrideKey, $"{tlsName}:{instance.Port}");
            }

            result.Add(address);
        }

        _refused = refused;
        return [.. result];
    }

    /// <summary>Why every instance of a view was refused, for the calls' error: counts by reason and the setting to check.</summary>
    public string DescribeAllRefused(int instances)
    {
        var reasons = _refused.GroupBy(k => k[(k.LastIndexOf('|') + 1)..]).Select(g => $"{g.Count()} {Describe(g.Key)}");
        return $"all {instances} registered instance(s) of '{_service}' were refused ({string.Join(", ", reasons)}); "
            + $"a client never calls an instance over another transport than its own ({_section}:Tls)";
    }

    private static string Describe(string reason) => reason switch
    {
        TlsRefused => "serve TLS and this client is plaintext",
        PlaintextRefused => "are plaintext and this client requires TLS",
        _ => "serve TLS with no TLS name registered nor configured",
    };

    private void Refuse(ServiceInstance instance, string reason)
    {
        _metrics.Refused(_service, reason);
        switch (reason)
        {
            case TlsRefused:
                Log.HttpsInstanceRefused(_logger, _service, instance.ToString(), _section);
                break;
            case PlaintextRefused:
                Log.PlaintextInstanceRefused(_logger, _service, instance.ToString(), _section);
                break;
            default:
                Log.NoTlsNameRefused(_logger, _service, instance.ToString(), _section);
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Not calling {Instance} of {Service}: it serves TLS (scheme=https) and this client is plaintext; set {Section}:Tls:Enabled to true to call it")]
        public static partial void HttpsInstanceRefused(ILogger logger, string service, string instance, string section);

        [LoggerMessage(2, LogLevel.Warning, "Not calling {Instance} of {Service}: it is registered as plaintext and this client requires TLS ({Section}:Tls:Enabled); a TLS client never falls back to plaintext")]
        public static partial void PlaintextInstanceRefused(ILogger logger, string service, string instance, string section);

        [LoggerMessage(3, LogLevel.Warning, "Not calling {Instance} of {Service}: it serves TLS but registered no TLS name and {Section}:Tls:ServerName is unset; a certificate is never validated against an IP address")]
        public static partial void NoTlsNameRefused(ILogger logger, string service, string instance, string section);
    }
}
