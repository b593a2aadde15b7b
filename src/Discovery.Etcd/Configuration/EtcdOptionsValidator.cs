using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Discovery.Etcd;

/// <summary>
/// Validates <see cref="EtcdOptions"/> at start-up; every failure names its configuration key, such as
/// <c>Discovery:Etcd:Endpoints:1</c>. The rules are those documented on each option.
/// </summary>
internal sealed class EtcdOptionsValidator : IValidateOptions<EtcdOptions>
{
    /// <summary>The smallest <see cref="EtcdOptions.ConnectTimeout"/> and <see cref="EtcdOptions.RequestTimeout"/>.</summary>
    internal static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest timeout: far beyond any sensible value, and safe to add to a clock reading.</summary>
    internal static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// etcd's default <c>--grpc-keepalive-min-time</c>: etcd answers pings sent more often with GOAWAY
    /// ENHANCE_YOUR_CALM, which kills every stream of the connection (measured: an idle watch died after 9 s with 2 s pings).
    /// </summary>
    internal static readonly TimeSpan MinimumKeepAliveInterval = TimeSpan.FromSeconds(5);

    /// <summary>The largest <see cref="EtcdOptions.DataLossGracePeriod"/>.</summary>
    internal static readonly TimeSpan MaximumGracePeriod = TimeSpan.FromHours(1);

    private const string Section = EtcdOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, EtcdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var schemes = ValidateEndpoints(options.Endpoints, failures);
        ValidateCredentials(options, failures);
        ValidateTls(options.Tls, schemes, failures);
        ValidateKeyPrefix(options.KeyPrefix, failures);
        ValidateRange(failures, nameof(EtcdOptions.ConnectTimeout), options.ConnectTimeout, MinimumTimeout, MaximumTimeout);
        ValidateRange(failures, nameof(EtcdOptions.RequestTimeout), options.RequestTimeout, MinimumTimeout, MaximumTimeout);
        ValidateRange(failures, nameof(EtcdOptions.KeepAliveInterval), options.KeepAliveInterval, MinimumKeepAliveInterval, MaximumTimeout);
        ValidateRange(failures, nameof(EtcdOptions.DataLossGracePeriod), options.DataLossGracePeriod, TimeSpan.Zero, MaximumGracePeriod);
        if (options.MaxRecordBytes <= 0)
        {
            failures.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{Section}:{nameof(EtcdOptions.MaxRecordBytes)} is {options.MaxRecordBytes}: it must be greater than 0 (default 65536)."));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Validates the endpoint list and returns the distinct schemes of the valid ones.</summary>
    private static HashSet<string> ValidateEndpoints(IList<string>? endpoints, List<string> failures)
    {
        var schemes = new HashSet<string>(StringComparer.Ordinal);
        if (endpoints is null || endpoints.Count == 0)
        {
            failures.Add($"{Section}:Endpoints is required: give at least one etcd URL, such as {Section}:Endpoints:0 = http://127.0.0.1:2379.");
            return schemes;
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        (string Scheme, int Index)? firstScheme = null;
        for (var i = 0; i < endpoints.Count; i++)
        {
            var key = $"{Section}:Endpoints:{i.ToString(CultureInfo.InvariantCulture)}";
            var problem = ValidateEndpoint(endpoints[i], out var uri);
            if (problem is not null)
            {
                failures.Add($"{key} {problem}");
                continue;
            }

            var hostAndPort = uri!.Host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
            if (seen.TryGetValue(hostAndPort, out var first))
            {
                failures.Add($"{key} '{endpoints[i]}' repeats {Section}:Endpoints:{first.ToString(CultureInfo.InvariantCulture)}.");
                continue;
            }

            seen.Add(hostAndPort, i);
            if (firstScheme is null)
            {
                firstScheme = (uri.Scheme, i);
            }
            else if (firstScheme.Value.Scheme != uri.Scheme)
            {
                failures.Add(
                    $"{key} '{endpoints[i]}' uses {uri.Scheme} but {Section}:Endpoints:{firstScheme.Value.Index.ToString(CultureInfo.InvariantCulture)} " +
                    $"uses {firstScheme.Value.Scheme}: every member of one etcd cluster is reached the same way.");
            }

            schemes.Add(uri.Scheme);
        }

        return schemes;
    }

    private static string? ValidateEndpoint(string? endpoint, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return "is empty: give an etcd URL such as http://127.0.0.1:2379.";
        }

        if (endpoint.Contains(',', StringComparison.Ordinal))
        {
            return $"'{endpoint}' holds a ',': give one URL per entry ({Section}:Endpoints:0, {Section}:Endpoints:1, …).";
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.Host))
        {
            return $"'{endpoint}' is not an absolute URL such as http://127.0.0.1:2379.";
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            // Not echoed: the user information may hold a password.
            return $"holds user information: set {Section}:Username and {Section}:Password instead.";
        }

        if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
        {
            return $"'{endpoint}' has the scheme '{parsed.Scheme}': only http and https are supported.";
        }

        if (parsed.AbsolutePath != "/" || parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            return $"'{endpoint}' has a path, query or fragment: give only scheme, host and port.";
        }

        if (!HasExplicitPort(endpoint))
        {
            return $"'{endpoint}' has no port: etcd listens on 2379 by default, so write e.g. {parsed.Scheme}://{parsed.Authority}:2379.";
        }

        uri = parsed;
        return null;
    }

    // Uri hides a port equal to the scheme's default, so the port is looked for in the text itself.
    private static bool HasExplicitPort(string endpoint)
    {
        var authority = endpoint.AsSpan(endpoint.IndexOf("://", StringComparison.Ordinal) + 3);
        var end = authority.IndexOfAny('/', '?', '#');
        if (end >= 0)
        {
            authority = authority[..end];
        }

        var colon = authority.LastIndexOf(':');
        return colon >= 0 && colon > authority.LastIndexOf(']') && colon + 1 < authority.Length;
    }

    private static void ValidateCredentials(EtcdOptions options, List<string> failures)
    {
        var hasUser = !string.IsNullOrEmpty(options.Username);
        var hasPassword = !string.IsNullOrEmpty(options.Password);
        if (hasUser && string.IsNullOrWhiteSpace(options.Username))
        {
            failures.Add($"{Section}:Username is white space only.");
        }
        else if (hasUser && !hasPassword)
        {
            // The value itself is never echoed: it is a secret.
            failures.Add($"{Section}:Password is required when {Section}:Username is set.");
        }
        else if (!hasUser && hasPassword)
        {
            failures.Add($"{Section}:Username is required when {Section}:Password is set.");
        }
    }

    private static void ValidateTls(EtcdTlsOptions? tls, HashSet<string> schemes, List<string> failures)
    {
        if (tls is null)
        {
            return;
        }

        var isHttps = schemes.Contains(Uri.UriSchemeHttps);
        var isHttpOnly = schemes.Count > 0 && !isHttps;
        foreach (var (name, value) in new[] { (nameof(tls.CaFile), tls.CaFile), (nameof(tls.CertFile), tls.CertFile), (nameof(tls.KeyFile), tls.KeyFile) })
        {
            if (value is null)
            {
                continue;
            }

            var key = $"{Section}:Tls:{name}";
            if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"{key} is empty: remove it or give a PEM file path.");
            }
            else if (isHttpOnly)
            {
                failures.Add($"{key} is set but {Section}:Endpoints use http: TLS settings need https:// endpoints.");
            }
            else if (!File.Exists(value))
            {
                failures.Add($"{key} '{value}' does not exist.");
            }
        }

        var hasCert = !string.IsNullOrWhiteSpace(tls.CertFile);
        var hasKey = !string.IsNullOrWhiteSpace(tls.KeyFile);
        if (hasCert != hasKey)
        {
            failures.Add(hasCert
                ? $"{Section}:Tls:KeyFile is required when {Section}:Tls:CertFile is set."
                : $"{Section}:Tls:CertFile is required when {Section}:Tls:KeyFile is set.");
        }

        if (isHttpOnly)
        {
            return;
        }

        if (!string.IsNullOrWhiteSpace(tls.CaFile) && File.Exists(tls.CaFile))
        {
            ValidateCaFile(tls.CaFile, failures);
        }

        if (hasCert && hasKey && File.Exists(tls.CertFile) && File.Exists(tls.KeyFile))
        {
            ValidateClientCertificate(tls.CertFile!, tls.KeyFile!, failures);
        }
    }

    private static void ValidateCaFile(string caFile, List<string> failures)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(caFile);
            var count = certificates.Count;
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }

            if (count == 0)
            {
                failures.Add($"{Section}:Tls:CaFile '{caFile}' holds no PEM certificate.");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            failures.Add($"{Section}:Tls:CaFile '{caFile}' cannot be read as PEM certificates: {ex.Message}");
        }
    }

    private static void ValidateClientCertificate(string certFile, string keyFile, List<string> failures)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The message of a key-loading failure names no key material, only what was wrong.
            failures.Add($"{Section}:Tls:CertFile '{certFile}' and {Section}:Tls:KeyFile '{keyFile}' are not a PEM certificate and its private key: {ex.Message}");
        }
    }

    private static void ValidateKeyPrefix(string? keyPrefix, List<string> failures)
    {
        if (string.IsNullOrEmpty(keyPrefix))
        {
            return;
        }

        var key = $"{Section}:KeyPrefix";
        if (keyPrefix.StartsWith('/'))
        {
            failures.Add($"{key} '{keyPrefix}' may not start with '/': write e.g. 'prod/' (keys then read prod/echo/host:port).");
        }
        else if (keyPrefix.Contains("//", StringComparison.Ordinal))
        {
            failures.Add($"{key} '{keyPrefix}' may not hold '//'.");
        }
        else if (keyPrefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            failures.Add($"{key} '{keyPrefix}' may not hold white space or control characters.");
        }
    }

    private static void ValidateRange(List<string> failures, string name, TimeSpan value, TimeSpan minimum, TimeSpan maximum)
    {
        if (value < minimum || value > maximum)
        {
            failures.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{Section}:{name} is {value}: it must be between {minimum} and {maximum}."));
        }
    }
}
