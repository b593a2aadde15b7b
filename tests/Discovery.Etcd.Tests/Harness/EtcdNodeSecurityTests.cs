using Discovery.Testing;
using dotnet_etcd;
using Grpc.Core;

namespace Discovery.Etcd.Tests.Harness;

public sealed class EtcdNodeSecurityTests
{
    [Fact]
    public async Task StartAsync_Tls_AcceptsClientWithCaAndClientCertificate()
    {
        using var certificates = TestCertificates.Create();
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { Tls = true, Certificates = certificates });
        using var client = new EtcdClient(node.ClientUrl, o => certificates.ConfigureClient(o));

        await client.PutAsync("harness/tls", "ok", 0L);

        Assert.StartsWith("https://127.0.0.1:", node.ClientUrl, StringComparison.Ordinal);
        Assert.Equal("ok", (await client.GetPrefixAsync("harness/"))["harness/tls"]);
    }

    [Fact]
    public async Task StartAsync_Tls_RejectsClientTrustingAnotherCa()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { Tls = true });
        using var client = new EtcdClient(node.ClientUrl, o => node.Certificates!.ConfigureClientWithUntrustedCa(o));

        Assert.True(await CallOutcome.FailsAsync(() => client.GetAsync("harness/x", deadline: DateTime.UtcNow.AddSeconds(2))));
    }

    [Fact]
    public async Task StartAsync_Auth_RejectsWrongPasswordAndAcceptsRoot()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        using var wrong = new EtcdClient(node.ClientUrl, "root", "wrong-password");
        using var root = node.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() => wrong.PutAsync("harness/auth", "no", 0L));
        await root.PutAsync("harness/auth", "yes", 0L);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("yes", (await root.GetPrefixAsync("harness/"))["harness/auth"]);
    }
}
