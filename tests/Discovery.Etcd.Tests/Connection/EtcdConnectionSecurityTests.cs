using Discovery.Etcd.Connection;
using Discovery.Testing;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Tests.Connection;

/// <summary>TLS with a custom CA and client certificates, and user/password auth, against real etcd.</summary>
public sealed class EtcdConnectionSecurityTests
{
    [Fact]
    public async Task Put_TlsWithClientCertificate_Writes()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { Tls = true });
        using var connection = new EtcdConnection(EtcdTestConnections.OptionsFor(node));

        await connection.PutAsync("tls/key", "v");

        Assert.Equal("v", await connection.GetAsync("tls/key"));
    }

    [Fact]
    public async Task Put_AuthWithoutTls_Writes()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        using var connection = new EtcdConnection(EtcdTestConnections.OptionsFor(node));

        await connection.PutAsync("auth/key", "v");

        Assert.Equal("v", await connection.GetAsync("auth/key"));
    }

    [Fact]
    public async Task Put_AuthWithTls_Writes()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true, Tls = true });
        using var connection = new EtcdConnection(EtcdTestConnections.OptionsFor(node));

        await connection.PutAsync("auth-tls/key", "v");

        Assert.Equal("v", await connection.GetAsync("auth-tls/key"));
    }

    [Fact]
    public async Task Put_UserConfiguredButEtcdHasAuthOff_WritesWithAWarningThenLogsInOnceAuthIsTurnedOn()
    {
        // etcd restored from nothing runs with auth off until its users come back: calls go without a token, as
        // etcd's Go client does, and the first call after 'auth enable' logs in and is repeated.
        await using var node = await EtcdNode.StartAsync();
        const string password = "restored-Pa55word";
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        using var connection = new EtcdConnection(
            new EtcdOptions { Endpoints = { node.ClientUrl }, Username = "root", Password = password }, loggerFactory);

        await connection.PutAsync("auth-off/key", "before");

        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("etcd has authentication off, so calls go without logging in as user 'root'", warning.Message, StringComparison.Ordinal);

        using (var admin = node.CreateClient())
        {
            await admin.UserAddAsync(new Etcdserverpb.AuthUserAddRequest { Name = "root", Password = password });
            await admin.UserGrantRoleAsync(new Etcdserverpb.AuthUserGrantRoleRequest { User = "root", Role = "root" });
            await admin.AuthEnableAsync(new Etcdserverpb.AuthEnableRequest());
        }

        await connection.PutAsync("auth-off/key", "after");

        Assert.Equal("after", await connection.GetAsync("auth-off/key"));
        Assert.DoesNotContain(logs.Entries, e => e.ToString().Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_AuthWithoutCredentials_IsRejected()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        using var connection = new EtcdConnection(new EtcdOptions { Endpoints = { node.ClientUrl } });

        await Assert.ThrowsAsync<RpcException>(() => connection.PutAsync("auth/key", "v"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Put_WrongPassword_FailsSayingAuthenticationFailedWithoutThePassword(bool tls)
    {
        const string wrongPassword = "wrong-Pa55word-never-shown";
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true, Tls = tls });
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        using var connection = new EtcdConnection(EtcdTestConnections.OptionsFor(node, password: wrongPassword), loggerFactory);

        var exception = await Assert.ThrowsAsync<RpcException>(() => connection.PutAsync("auth/key", "v"));

        Assert.Equal(StatusCode.Unauthenticated, exception.StatusCode);
        Assert.StartsWith("etcd authentication failed (wrong user name or password)", exception.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("user 'root'", exception.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongPassword, exception.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain(logs.Entries, e => e.ToString().Contains(wrongPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_ServerCertificateFromAnotherCa_FailsSayingCertificateNotTrusted()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { Tls = true });
        using var connection = new EtcdConnection(EtcdTestConnections.OptionsFor(node, caFile: node.Certificates!.UntrustedCaFile));

        var exception = await Assert.ThrowsAsync<RpcException>(() => connection.PutAsync("tls/key", "v"));

        Assert.Equal(StatusCode.Unavailable, exception.StatusCode);
        Assert.StartsWith("etcd's server certificate is not trusted (certificate not trusted)", exception.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Discovery:Etcd:Tls:CaFile", exception.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_NoClientCertificateForAnEtcdThatRequiresOne_FailsNamingTheClientCertificate()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { Tls = true });
        using var connection = new EtcdConnection(EtcdTestConnections.OptionsFor(node, clientCertificate: false));

        var exception = await Assert.ThrowsAsync<RpcException>(() => connection.PutAsync("tls/key", "v"));

        Assert.Equal(StatusCode.Unavailable, exception.StatusCode);
        Assert.Contains("client certificate", exception.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Discovery:Etcd:Tls:CertFile", exception.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_TokenForgottenByARestartedEtcd_AuthenticatesAgainAndWrites()
    {
        // etcd's simple tokens live in memory and come back on restart only by replaying the raft log: once a
        // snapshot has passed the Authenticate entry, a restarted etcd answers "invalid auth token".
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true, ExtraArguments = ["--snapshot-count", "5"] });
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        using var connection = new EtcdConnection(EtcdTestConnections.OptionsFor(node), loggerFactory);
        for (var i = 0; i < 20; i++)
        {
            await connection.PutAsync("auth/key", $"before-{i}");
        }

        await node.RestartAsync();
        await connection.PutAsync("auth/key", "after");

        Assert.Equal("after", await connection.GetAsync("auth/key"));
        Assert.Contains(logs.Entries, e => e.ToString().Contains("Dropped the etcd auth token", StringComparison.Ordinal));
    }
}
