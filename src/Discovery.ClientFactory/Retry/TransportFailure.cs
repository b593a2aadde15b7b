using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;

namespace Discovery.ClientFactory.Retry;

/// <summary>Reads from a failed call's exception whether the call provably never reached a server.</summary>
internal static class TransportFailure
{
    /// <summary>HTTP/2 REFUSED_STREAM: the server closed the stream before any processing (RFC 9113, 8.7).</summary>
    private const long RefusedStream = 0x7;

    /// <summary>
    /// True when the call's failure proves no server processed it: the connection could not be made (the connect
    /// callback failed, so no byte of the call was sent) or the server refused the stream. Sending it again is safe
    /// for any method.
    /// </summary>
    public static bool NeverReachedServer(RpcException exception)
    {
        if (exception.StatusCode != StatusCode.Unavailable)
        {
            return false;
        }

        for (var current = exception.Status.DebugException; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }:
                case HttpProtocolException { ErrorCode: RefusedStream }:
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return true;
            }
        }

        return false;
    }
}
