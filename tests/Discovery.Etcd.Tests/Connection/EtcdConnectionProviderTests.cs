using Discovery.Etcd.Connection;
using Discovery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Discovery.Etcd.Tests.Connection;

/// <summary>One connection per distinct set of options, shared by everything in the process.</summary>
public sealed class EtcdConnectionProviderTests
{
    [Fact]
    public void GetConnection_EqualOptionsInDifferentObjects_ReturnsTheSameConnection()
    {
        using var provider = new EtcdConnectionProvider(NullLoggerFactory.Instance);

        var first = provider.GetConnection(Options());
        var second = provider.GetConnection(Options());

        Assert.Same(first, second);
    }

    [Theory]
    [InlineData("endpoint")]
    [InlineData("username")]
    [InlineData("password")]
    [InlineData("prefix")]
    [InlineData("timeout")]
    public void GetConnection_OptionsDifferingInOneValue_ReturnsAnotherConnection(string difference)
    {
        using var provider = new EtcdConnectionProvider(NullLoggerFactory.Instance);
        var other = Options();
        switch (difference)
        {
            case "endpoint": other.Endpoints.Add("http://127.0.0.1:2479"); break;
            case "username": other.Username = "other"; break;
            case "password": other.Password = "other"; break;
            case "prefix": other.KeyPrefix = "other/"; break;
            case "timeout": other.RequestTimeout = TimeSpan.FromSeconds(9); break;
        }

        var first = provider.GetConnection(Options());
        var second = provider.GetConnection(other);

        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task GetConnection_ManyConcurrentCallers_AllGetOneConnection()
    {
        using var provider = new EtcdConnectionProvider(NullLoggerFactory.Instance);

        var connections = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => provider.GetConnection(Options()))));

        Assert.Single(connections.Distinct());
    }

    [Fact]
    public void GetConnection_AfterDispose_Throws()
    {
        var provider = new EtcdConnectionProvider(NullLoggerFactory.Instance);
        provider.Dispose();

        Assert.Throws<ObjectDisposedException>(() => provider.GetConnection(Options()));
    }

    [Fact]
    public void GetConnection_ClientCertificateMissingThenPresent_DoesNotCacheTheFailure()
    {
        using var certificates = TestCertificates.Create();
        var folder = Directory.CreateTempSubdirectory("discovery-provider-").FullName;
        try
        {
            using var provider = new EtcdConnectionProvider(NullLoggerFactory.Instance);
            var options = new EtcdOptions
            {
                Endpoints = { "https://127.0.0.1:2379" },
                Tls = { CertFile = Path.Combine(folder, "client.pem"), KeyFile = Path.Combine(folder, "client-key.pem") },
            };
            Assert.ThrowsAny<IOException>(() => provider.GetConnection(options));

            File.Copy(certificates.ClientCertFile, options.Tls.CertFile);
            File.Copy(certificates.ClientKeyFile, options.Tls.KeyFile);

            Assert.NotNull(provider.GetConnection(options));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static EtcdOptions Options() => new()
    {
        Endpoints = { "http://127.0.0.1:2379" },
        Username = "root",
        Password = "secret",
        KeyPrefix = "prod/",
    };
}
