using System.Security.Authentication;
using Discovery.Etcd.Connection;
using Grpc.Core;

namespace Discovery.Cli.Connection;

/// <summary>Turns a failed etcd call into the operator's message and one of the <see cref="ExitCodes"/>.</summary>
internal static class EtcdFailures
{
    public static CliException Classify(Exception exception, string endpoints)
    {
        var rpc = Find<RpcException>(exception);
        var detail = rpc?.Status.Detail ?? exception.Message;
        if (Mentions(exception, EtcdCallErrors.AuthenticationFailed)
            || rpc?.StatusCode == StatusCode.Unauthenticated)
        {
            return new CliException(ExitCodes.AuthenticationFailed, $"Authentication failed: {detail}", exception);
        }

        if (Mentions(exception, EtcdCallErrors.CertificateNotTrusted)
            || Mentions(exception, "TLS handshake")
            || Mentions(exception, "closed the TLS connection")
            || Find<AuthenticationException>(exception) is not null)
        {
            return new CliException(ExitCodes.Tls, $"TLS failed: {detail}", exception);
        }

        if (rpc?.StatusCode == StatusCode.PermissionDenied || Mentions(exception, "permission denied"))
        {
            return new CliException(ExitCodes.PermissionDenied, $"Permission denied: {detail}", exception);
        }

        if (rpc?.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded || exception is TimeoutException)
        {
            return new CliException(ExitCodes.EtcdUnreachable, $"etcd is unreachable at {endpoints}: {detail}", exception);
        }

        return new CliException(ExitCodes.Failure, $"etcd call failed: {detail}", exception);
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        foreach (var e in Chain(exception))
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static bool Mentions(Exception exception, string text)
    {
        foreach (var e in Chain(exception))
        {
            if (e.Message.Contains(text, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // gRPC keeps the cause of a failed call in the status's DebugException, not always as the inner exception.
    private static IEnumerable<Exception> Chain(Exception exception)
    {
        Exception? e = exception;
        for (var depth = 0; e is not null && depth < 16; depth++)
        {
            yield return e;
            e = e.InnerException ?? (e as RpcException)?.Status.DebugException;
        }
    }
}
