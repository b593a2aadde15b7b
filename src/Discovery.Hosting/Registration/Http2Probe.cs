using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Http;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Asks a bound endpoint of this very server whether it speaks HTTP/2, the only protocol gRPC runs on: plaintext
/// endpoints get the HTTP/2 connection preface (h2c with prior knowledge, what every gRPC client sends), TLS
/// endpoints a handshake offering <c>h2</c> and <c>http/1.1</c>.
/// </summary>
/// <remarks>
/// <para>
/// Why a probe and not Kestrel's configuration: ASP.NET Core 10 exposes no public list of the bound endpoints with
/// their protocols. <c>IServerAddressesFeature</c> holds URLs only; the <c>ListenOptions</c> Kestrel binds (from
/// <c>Listen*</c> in code, <c>Kestrel:Endpoints</c>, <c>UseUrls</c> / <c>ASPNETCORE_URLS</c>, each with
/// <c>ConfigureEndpointDefaults</c> or <c>Kestrel:EndpointDefaults</c> applied, code endpoints replacing configured
/// ones) are internal, and the decision that matters, "HTTP/1.1 enabled and no TLS, so HTTP/2 is off", is taken
/// inside Kestrel's bind callback and stored nowhere. Re-deriving it from configuration would miss code and defaults
/// and drift with Kestrel; reading internals by reflection would break on an update; hooking
/// <c>ConfigureEndpointDefaults</c> would replace the application's own defaults (the setter keeps one action).
/// The probe asks the socket that clients will dial, so it is right however the endpoint was configured, and stays
/// right if Kestrel ever learns to detect the preface on Http1AndHttp2 plaintext endpoints.
/// </para>
/// <para>
/// An endpoint is excluded only on proof. Kestrel 10 answers the preface on an HTTP/1-only endpoint with an HTTP/2
/// GOAWAY carrying <c>HTTP_1_1_REQUIRED</c> (measured: <c>00 00 08 07 00 00 00 00 00 | 00 00 00 00 00 00 00 0D</c>);
/// other servers answer with an HTTP/1.x status line. Over TLS, a server that picks <c>http/1.1</c> when offered
/// <c>h2</c> first has HTTP/2 off. No answer, a timeout, any other bytes, or a failed handshake (a client
/// certificate required, a certificate selector that needs a name) prove nothing, and the endpoint stays registered.
/// </para>
/// </remarks>
internal static class Http2Probe
{
    /// <summary>How long one probe may take; a local Kestrel answers in milliseconds, and no answer keeps the endpoint.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    // RFC 9113 3.4: the client connection preface, then the SETTINGS frame that must follow it (empty: no change).
    private static readonly byte[] s_preface =
    [
        .. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8,
        0, 0, 0, 0x4, 0, 0, 0, 0, 0,
    ];

    // A GOAWAY (last stream 0, NO_ERROR) so the server ends the connection as a normal HTTP/2 close.
    private static readonly byte[] s_goAway = [0, 0, 8, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private const byte SettingsFrame = 0x4;
    private const byte GoAwayFrame = 0x7;
    private const uint Http11Required = 0xd;
    private const int FrameHeaderLength = 9;

    /// <summary>Probes one bound endpoint; never throws but for <paramref name="cancellationToken"/>.</summary>
    public static async Task<Http2Support> ProbeAsync(BindingAddress bound, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bound);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var address = DialAddress(bound.Host);
            using var client = new TcpClient(address.AddressFamily) { NoDelay = true };
            await client.ConnectAsync(address, bound.Port, deadline.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            return string.Equals(bound.Scheme, "https", StringComparison.OrdinalIgnoreCase)
                ? await ProbeTlsAsync(stream, bound.Host, deadline.Token).ConfigureAwait(false)
                : await ProbePlaintextAsync(stream, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Http2Support.Unknown;
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or ObjectDisposedException)
        {
            return Http2Support.Unknown;
        }
    }

    /// <summary>Reads the server's first bytes after the preface: an HTTP/2 frame header (and a GOAWAY's error code), or an HTTP/1 status line.</summary>
    public static Http2Support Classify(ReadOnlySpan<byte> answer)
    {
        if (answer.StartsWith("HTTP/1."u8))
        {
            return Http2Support.Http1Only;
        }

        if (answer.Length < FrameHeaderLength)
        {
            return Http2Support.Unknown;
        }

        var length = (answer[0] << 16) | (answer[1] << 8) | answer[2];
        var type = answer[3];
        var streamId = BinaryPrimitives.ReadUInt32BigEndian(answer[5..]) & 0x7fffffff;
        if (streamId != 0)
        {
            return Http2Support.Unknown;
        }

        if (type == SettingsFrame)
        {
            return Http2Support.Http2;
        }

        // GOAWAY payload: last stream id (4 bytes), error code (4 bytes), optional debug data.
        if (type == GoAwayFrame && length >= 8 && answer.Length >= FrameHeaderLength + 8
            && BinaryPrimitives.ReadUInt32BigEndian(answer[(FrameHeaderLength + 4)..]) == Http11Required)
        {
            return Http2Support.Http1Only;
        }

        return Http2Support.Unknown;
    }

    private static async Task<Http2Support> ProbePlaintextAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(s_preface, cancellationToken).ConfigureAwait(false);

        // A frame header, and for a GOAWAY its two words; an HTTP/1 status line is told apart by its first 7 bytes.
        var answer = new byte[FrameHeaderLength + 8];
        var read = 0;
        while (read < answer.Length)
        {
            var n = await stream.ReadAsync(answer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
            if (read >= FrameHeaderLength && answer[3] != GoAwayFrame)
            {
                break;
            }
        }

        var support = Classify(answer.AsSpan(0, read));
        if (support == Http2Support.Http2)
        {
            try
            {
                await stream.WriteAsync(s_goAway, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The answer is what counts; the server closing first changes nothing.
            }
        }

        return support;
    }

    private static async Task<Http2Support> ProbeTlsAsync(NetworkStream stream, string host, CancellationToken cancellationToken)
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        await using (tls.ConfigureAwait(false))
        {
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    // SNI carries names only; a wildcard or IP binding is reached through loopback as "localhost".
                    TargetHost = IPAddress.TryParse(host.Trim('[', ']'), out _) || host is "*" or "+" ? "localhost" : host,
                    ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],

                    // The probe sends no data and reads only which protocol ALPN picked; whether this process' own
                    // certificate is trusted here says nothing about that, and must never exclude the endpoint.
                    RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                },
                cancellationToken).ConfigureAwait(false);

            var protocol = tls.NegotiatedApplicationProtocol;
            return protocol == SslApplicationProtocol.Http2 ? Http2Support.Http2
                : protocol == SslApplicationProtocol.Http11 ? Http2Support.Http1Only
                : Http2Support.Unknown;
        }
    }

    /// <summary>Where to reach a bound host from inside the process: wildcards and names through loopback, IPs as bound.</summary>
    private static IPAddress DialAddress(string host)
    {
        // Kestrel binds a host name other than localhost to every interface, so loopback reaches it too.
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return ip.Equals(IPAddress.Any) ? IPAddress.Loopback
                : ip.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
                : ip;
        }

        return IPAddress.Loopback;
    }
}
