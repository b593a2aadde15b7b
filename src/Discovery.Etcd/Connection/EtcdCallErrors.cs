using System.Security.Authentication;
using Grpc.Core;

namespace Discovery.Etcd.Connection;

/// <summary>
/// Turns the errors that gRPC reports for a misconfigured etcd connection into ones that say what is wrong and
/// which setting to check. grpc-dotnet reports an untrusted server certificate as <c>Internal</c> "Error starting
/// gRPC call" with the reason three exceptions deep, and etcd a wrong password as <c>InvalidArgument</c>.
/// </summary>
internal static class EtcdCallErrors
{
    private const string Section = EtcdOptions.SectionName;

    /// <summary>The start of the detail of every error about a server certificate etcd's client does not trust.</summary>
    public const string CertificateNotTrusted = "etcd's server certificate is not trusted (certificate not trusted)";

    /// <summary>The start of the detail of every error about credentials etcd rejected.</summary>
    public const string AuthenticationFailed = "etcd authentication failed (wrong user name or password)";

    /// <summary>
    /// True for etcd's answer to a token it no longer knows (it restarted), an auth store that changed, or a call
    /// without a token once auth is on (the connection had found it off).
    /// </summary>
    public static bool IsStaleToken(RpcException exception) =>
        (exception.StatusCode == StatusCode.Unauthenticated
            && exception.Status.Detail.Contains("invalid auth token", StringComparison.Ordinal))
        || exception.Status.Detail.Contains("revision of auth store is old", StringComparison.Ordinal)
        || exception.Status.Detail.Contains("etcdserver: user name is empty", StringComparison.Ordinal);

    /// <summary>True for etcd's answer to Authenticate while it has auth off.</summary>
    public static bool IsAuthNotEnabled(RpcException exception) =>
        exception.Status.Detail.Contains("authentication is not enabled", StringComparison.Ordinal);

    /// <summary>
    /// The error etcd's Authenticate call gave for a user name and password, made clear; the password is never part
    /// of it (etcd does not echo it either).
    /// </summary>
    public static RpcException AuthenticationRejected(RpcException exception, string username) =>
        new(new Status(
            StatusCode.Unauthenticated,
            $"{AuthenticationFailed}: etcd rejected the credentials of user '{username}' " +
            $"({Section}:Username, {Section}:Password). etcd said: {exception.Status.Detail}",
            exception));

    /// <summary>The start of the detail of every error about an operation etcd's roles do not allow.</summary>
    public const string PermissionDeniedPrefix = "etcd denied";

    /// <summary>True for etcd's answer to an operation the user's roles do not allow ("etcdserver: permission denied").</summary>
    public static bool IsPermissionDenied(RpcException exception) =>
        exception.StatusCode == StatusCode.PermissionDenied
        || exception.Status.Detail.Contains("permission denied", StringComparison.Ordinal);

    /// <summary>
    /// A denied operation, named: which operation, on which key or prefix, as which user, and which permission the
    /// user's roles lack. etcd itself says only "etcdserver: permission denied".
    /// </summary>
    /// <param name="exception">etcd's answer.</param>
    /// <param name="operation">What was asked: <c>put</c>, <c>delete</c>, <c>range read</c>, <c>watch</c>.</param>
    /// <param name="key">The key, or the prefix (ending with <c>/</c>), asked for.</param>
    /// <param name="permission"><c>read</c> or <c>write</c>.</param>
    /// <param name="username">The etcd user, or null without auth.</param>
    public static RpcException PermissionDenied(RpcException exception, string operation, string key, string permission, string? username) =>
        new(new Status(StatusCode.PermissionDenied, PermissionDeniedDetail(operation, key, permission, username, exception.Status.Detail), exception));

    /// <summary>
    /// The problem a watcher reports when etcd cancels its watch for "permission denied", in the words of
    /// <see cref="PermissionDenied"/>. A watch creation made with a token older than the last change to etcd's users or
    /// roles gets the same answer; the watcher's next attempt lists again, which takes a new token in that case.
    /// </summary>
    /// <param name="cancelReason">etcd's cancel reason.</param>
    /// <param name="prefix">The prefix watched.</param>
    /// <param name="username">The etcd user, or null without auth.</param>
    public static string WatchDenied(string cancelReason, string prefix, string? username) =>
        PermissionDeniedDetail("watch", prefix, "read", username, cancelReason);

    // The grant named is on the key's prefix (up to its last '/'), as the README's roles grant: a service's records,
    // its status or its control records, never one key.
    private static string PermissionDeniedDetail(string operation, string key, string permission, string? username, string etcdSaid)
    {
        var prefix = key[..(key.LastIndexOf('/') + 1)];
        var type = permission == "write" ? "readwrite" : "read";
        var grant = prefix.Length == 0 ? $"{type} '{key}'" : $"--prefix=true {type} '{prefix}'";
        return $"{PermissionDeniedPrefix} {operation} of '{key}'{(username is null ? string.Empty : $" to user '{username}'")}: " +
            $"its roles lack {permission} permission on {(key.EndsWith('/') ? "that prefix" : "that key")} " +
            $"(etcdctl role grant-permission <role> {grant}). etcd said: {etcdSaid}";
    }

    /// <summary>True when etcd's Authenticate call rejected the credentials themselves.</summary>
    public static bool IsRejectedCredentials(RpcException exception) =>
        exception.StatusCode == StatusCode.InvalidArgument
        && exception.Status.Detail.Contains("authentication failed", StringComparison.Ordinal);

    /// <summary>
    /// A clearer error for a failed TLS set-up, or <paramref name="exception"/> itself when it is not one. TLS
    /// failures become <c>Unavailable</c>, which callers retry: a fixed certificate then heals the connection.
    /// </summary>
    public static RpcException Translate(RpcException exception, bool usesTls)
    {
        if (!usesTls || exception.Status.Detail.StartsWith(CertificateNotTrusted, StringComparison.Ordinal))
        {
            return exception;
        }

        for (Exception? inner = exception.Status.DebugException ?? exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException authentication)
            {
                var detail = authentication.Message.Contains("remote certificate", StringComparison.OrdinalIgnoreCase)
                    ? $"{CertificateNotTrusted}: {authentication.Message} Check that {Section}:Tls:CaFile holds the CA " +
                      "that signed etcd's certificate, and that the certificate names the host of the endpoint."
                    : $"The TLS handshake with etcd failed: {authentication.Message} If etcd checks client certificates " +
                      $"(--client-cert-auth), check {Section}:Tls:CertFile and {Section}:Tls:KeyFile.";
                return new RpcException(new Status(StatusCode.Unavailable, detail, exception));
            }

            if ((inner is IOException && inner.Message.Contains("HTTP/2 handshake", StringComparison.Ordinal)) || IsCertificateAlert(inner.Message))
            {
                // With TLS 1.3 the server checks the client certificate after the client finished its handshake,
                // so a missing or untrusted client certificate shows up as a connection closed at once, or as the
                // server's certificate alert read on the client's first HTTP/2 frames: which one, and whether gRPC
                // then says Unavailable or Internal, depends on timing.
                return new RpcException(new Status(
                    StatusCode.Unavailable,
                    "etcd closed the TLS connection right after the handshake: it may require a client certificate " +
                    $"(--client-cert-auth) that is missing or not signed by its CA; check {Section}:Tls:CertFile and " +
                    $"{Section}:Tls:KeyFile. {exception.Status.Detail}",
                    exception));
            }
        }

        return exception;
    }

    // OpenSSL's names for the alerts a TLS server sends about the client's certificate: "sslv3 alert bad certificate",
    // "tlsv13 alert certificate required", "... alert unknown ca".
    private static bool IsCertificateAlert(string message) =>
        message.Contains(" alert ", StringComparison.Ordinal)
        && (message.Contains("certificate", StringComparison.Ordinal) || message.Contains("unknown ca", StringComparison.Ordinal));
}
