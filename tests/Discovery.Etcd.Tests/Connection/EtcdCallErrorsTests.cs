using System.Security.Authentication;
using Discovery.Etcd.Connection;
using Grpc.Core;

namespace Discovery.Etcd.Tests.Connection;

/// <summary>Which gRPC errors are made clearer, and which are left alone.</summary>
public sealed class EtcdCallErrorsTests
{
    [Fact]
    public void Translate_TlsAlertFromTheServer_SaysTheHandshakeFailedAndNamesTheClientCertificateSettings()
    {
        var error = Wrapped(new AuthenticationException("Authentication failed because the remote party sent a TLS alert: 'BadCertificate'."));

        var translated = EtcdCallErrors.Translate(error, usesTls: true);

        Assert.Equal(StatusCode.Unavailable, translated.StatusCode);
        Assert.Contains("TLS handshake with etcd failed", translated.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Discovery:Etcd:Tls:CertFile", translated.Status.Detail, StringComparison.Ordinal);
        Assert.Same(error, translated.Status.DebugException);
    }

    [Fact]
    public void Translate_ClientCertificateAlertReadAfterTheHandshake_NamesTheClientCertificateSettings()
    {
        // TLS 1.3: etcd rejects a missing client certificate after the client's handshake ended, so the alert comes
        // with the first frames read; seen as Internal when it arrived after the call had started.
        var alert = new IOException(
            "The decryption operation failed, see inner exception.",
            new InvalidOperationException("error:0A00045C:SSL routines::tlsv13 alert certificate required"));
        var error = new RpcException(new Status(StatusCode.Internal, "Error starting gRPC call.", new HttpRequestException("An error occurred while sending the request.", alert)));

        var translated = EtcdCallErrors.Translate(error, usesTls: true);

        Assert.Equal(StatusCode.Unavailable, translated.StatusCode);
        Assert.Contains("client certificate", translated.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Discovery:Etcd:Tls:CertFile", translated.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_PlaintextConnection_LeavesTheErrorAlone()
    {
        var error = Wrapped(new AuthenticationException("The remote certificate is invalid"));

        Assert.Same(error, EtcdCallErrors.Translate(error, usesTls: false));
    }

    [Fact]
    public void Translate_OrdinaryUnavailable_LeavesTheErrorAlone()
    {
        var error = new RpcException(new Status(StatusCode.Unavailable, "Error connecting to subchannel."));

        Assert.Same(error, EtcdCallErrors.Translate(error, usesTls: true));
    }

    [Theory]
    [InlineData(StatusCode.Unauthenticated, "etcdserver: invalid auth token", true)]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: revision of auth store is old", true)]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: authentication failed, invalid user ID or password", false)]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: user name is empty", true)]
    [InlineData(StatusCode.PermissionDenied, "etcdserver: permission denied", false)]
    public void IsStaleToken_EtcdAnswer_TellsWhetherAFreshTokenHelps(StatusCode code, string detail, bool expected) =>
        Assert.Equal(expected, EtcdCallErrors.IsStaleToken(new RpcException(new Status(code, detail))));

    [Fact]
    public void PermissionDenied_PutOfAKey_NamesOperationKeyUserPermissionAndTheGrantOnItsPrefix()
    {
        var etcd = new RpcException(new Status(StatusCode.PermissionDenied, "etcdserver: permission denied"));

        var denied = EtcdCallErrors.PermissionDenied(etcd, "put", "echo/10.0.0.7:5001", "write", "echo-server");

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(
            "etcd denied put of 'echo/10.0.0.7:5001' to user 'echo-server': its roles lack write permission on that key " +
            "(etcdctl role grant-permission <role> --prefix=true readwrite 'echo/'). etcd said: etcdserver: permission denied",
            denied.Status.Detail);
    }

    [Fact]
    public void WatchDenied_CancelledWatchOfAPrefix_SaysItInTheSameWordsAsOtherDenials()
    {
        var problem = EtcdCallErrors.WatchDenied("etcdserver: permission denied", "echo/", "echo-client");

        Assert.Equal(
            "etcd denied watch of 'echo/' to user 'echo-client': its roles lack read permission on that prefix " +
            "(etcdctl role grant-permission <role> --prefix=true read 'echo/'). etcd said: etcdserver: permission denied",
            problem);
    }

    private static RpcException Wrapped(Exception tls) =>
        new(new Status(
            StatusCode.Internal,
            "Error starting gRPC call.",
            new HttpRequestException("The SSL connection could not be established, see inner exception.", tls)));
}
