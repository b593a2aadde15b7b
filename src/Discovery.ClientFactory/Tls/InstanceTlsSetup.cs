using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Discovery.Etcd.Connection;

namespace Discovery.ClientFactory.Tls;

/// <summary>
/// The TLS settings of a client's connections to its instances (the <c>SocketsHttpHandler.SslOptions</c> of the
/// channel): the trusted CA, the client certificate, and a validation that turns a rejected certificate into an
/// error saying why, the expected name and the names the certificate carries included.
/// </summary>
/// <remarks>
/// The name each connection validates is the TLS host grpc-dotnet's balancer gives it: the <c>HostOverride</c>
/// address attribute (<see cref="InstanceTransportFilter"/>), which becomes the request's Host header and so the
/// handler's SNI and certificate target name.
/// </remarks>
internal static class InstanceTlsSetup
{
    /// <summary>The start of the message of every rejected instance certificate.</summary>
    public const string RejectedPrefix = "The instance's TLS certificate was rejected";

    public static SslClientAuthenticationOptions Create(EtcdClientTlsOptions tls, string section, out X509Certificate2? clientCertificate)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var ssl = TlsClientSettings.Create(tls.CaFile, tls.CertFile, tls.KeyFile, out clientCertificate);
        ssl.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            errors == SslPolicyErrors.None
                ? true
                : throw new AuthenticationException(Describe((sender as SslStream)?.TargetHostName, certificate, chain, errors, section));
        return ssl;
    }

    /// <summary>Why a certificate was rejected, naming the expected name and the certificate's own names (never key material).</summary>
    internal static string Describe(string? expectedName, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string section)
    {
        var parts = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            parts.Add("the instance presented no certificate");
        }

        using var certificate2 = certificate is null ? null : new X509Certificate2(certificate);
        var names = certificate2 is null ? "none" : string.Join(", ", NamesOf(certificate2));
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            parts.Add($"TLS name mismatch: the certificate is for {names}, not for '{expectedName}' " +
                $"(the name comes from {section}:ServerName, or the instance's registered tlsname when that is unset)");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct() ?? [];
            parts.Add($"the certificate (for {names}) is not trusted ({string.Join(", ", statuses)}): " +
                $"check that {section}:CaFile holds the CA that signed it");
        }

        return $"{RejectedPrefix}: {string.Join("; ", parts)}.";
    }

    private static IEnumerable<string> NamesOf(X509Certificate2 certificate)
    {
        var any = false;
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                foreach (var dns in san.EnumerateDnsNames())
                {
                    any = true;
                    yield return $"DNS:{dns}";
                }

                foreach (var ip in san.EnumerateIPAddresses())
                {
                    any = true;
                    yield return $"IP:{ip}";
                }
            }
        }

        if (!any)
        {
            yield return certificate.Subject;
        }
    }
}
