using System.Net.Http;
using System.Net.Sockets;
using Discovery.ClientFactory.Retry;
using Grpc.Core;

namespace Discovery.ClientFactory.Tests.Retry;

public sealed class TransportFailureTests
{
    [Fact]
    public void NeverReachedServer_ConnectionRefused_IsTrue() =>
        Assert.True(TransportFailure.NeverReachedServer(Unavailable(Refused())));

    [Fact]
    public void NeverReachedServer_StreamRefusedByServer_IsTrue() =>
        Assert.True(TransportFailure.NeverReachedServer(Unavailable(new HttpRequestException(
            "An error occurred while sending the request.", new HttpProtocolException(0x7, "REFUSED_STREAM", null)))));

    [Fact]
    public void NeverReachedServer_ResponseEndedAfterSending_IsFalse() =>
        Assert.False(TransportFailure.NeverReachedServer(Unavailable(new HttpRequestException(
            HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("reset")))));

    [Fact]
    public void NeverReachedServer_UnavailableFromTheServer_IsFalse() =>
        Assert.False(TransportFailure.NeverReachedServer(new RpcException(new Status(StatusCode.Unavailable, "overloaded"))));

    [Fact]
    public void NeverReachedServer_InternalStatus_IsFalse() =>
        Assert.False(TransportFailure.NeverReachedServer(new RpcException(new Status(StatusCode.Internal, "x", Refused()))));

    private static HttpRequestException Refused() =>
        new(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:1)", new SocketException((int)SocketError.ConnectionRefused));

    private static RpcException Unavailable(Exception debug) =>
        new(new Status(StatusCode.Unavailable, "Error starting gRPC call.", debug));
}
