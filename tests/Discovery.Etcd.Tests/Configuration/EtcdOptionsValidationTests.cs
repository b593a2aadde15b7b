using Discovery.Etcd.Connection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Discovery.Etcd.Tests.Configuration;

/// <summary>Start-up validation of <c>Discovery:Etcd</c>, shown through a real generic host.</summary>
public sealed class EtcdOptionsValidationTests
{
    private const string Valid = "Discovery:Etcd:Endpoints:0=http://127.0.0.1:2379";
    private const string ValidTls = "Discovery:Etcd:Endpoints:0=https://127.0.0.1:2379";

    public static TheoryData<string[], string> InvalidSettings => new()
    {
        { [], "Discovery:Etcd:Endpoints is required" },
        { [Valid, "Discovery:Etcd:Endpoints:1="], "Discovery:Etcd:Endpoints:1 is empty" },
        { ["Discovery:Etcd:Endpoints:0=not a url"], "Discovery:Etcd:Endpoints:0 'not a url' is not an absolute URL" },
        { ["Discovery:Etcd:Endpoints:0=http://127.0.0.1:2379,http://127.0.0.2:2379"], "Discovery:Etcd:Endpoints:0 'http://127.0.0.1:2379,http://127.0.0.2:2379' holds a ','" },
        { ["Discovery:Etcd:Endpoints:0=grpc://127.0.0.1:2379"], "Discovery:Etcd:Endpoints:0 'grpc://127.0.0.1:2379' has the scheme 'grpc'" },
        { ["Discovery:Etcd:Endpoints:0=http://127.0.0.1:2379/v3"], "Discovery:Etcd:Endpoints:0 'http://127.0.0.1:2379/v3' has a path" },
        { ["Discovery:Etcd:Endpoints:0=http://127.0.0.1"], "Discovery:Etcd:Endpoints:0 'http://127.0.0.1' has no port" },
        { ["Discovery:Etcd:Endpoints:0=http://root:pw@127.0.0.1:2379"], "Discovery:Etcd:Endpoints:0 holds user information" },
        { [Valid, "Discovery:Etcd:Endpoints:1=https://127.0.0.2:2379"], "Discovery:Etcd:Endpoints:1 'https://127.0.0.2:2379' uses https but Discovery:Etcd:Endpoints:0 uses http" },
        { [Valid, "Discovery:Etcd:Endpoints:1=http://127.0.0.1:2379"], "Discovery:Etcd:Endpoints:1 'http://127.0.0.1:2379' repeats Discovery:Etcd:Endpoints:0" },
        { [Valid, "Discovery:Etcd:Username=root"], "Discovery:Etcd:Password is required when Discovery:Etcd:Username is set" },
        { [Valid, "Discovery:Etcd:Password=secret"], "Discovery:Etcd:Username is required when Discovery:Etcd:Password is set" },
        { [Valid, "Discovery:Etcd:Tls:CaFile=/etc/hostname"], "Discovery:Etcd:Tls:CaFile is set but Discovery:Etcd:Endpoints use http" },
        { [ValidTls, "Discovery:Etcd:Tls:CaFile=/no/such/ca.pem"], "Discovery:Etcd:Tls:CaFile '/no/such/ca.pem' does not exist" },
        { [ValidTls, "Discovery:Etcd:Tls:CaFile=/etc/hostname"], "Discovery:Etcd:Tls:CaFile '/etc/hostname' holds no PEM certificate" },
        { [ValidTls, "Discovery:Etcd:Tls:CertFile=/etc/hostname"], "Discovery:Etcd:Tls:KeyFile is required when Discovery:Etcd:Tls:CertFile is set" },
        { [ValidTls, "Discovery:Etcd:Tls:KeyFile=/etc/hostname"], "Discovery:Etcd:Tls:CertFile is required when Discovery:Etcd:Tls:KeyFile is set" },
        { [ValidTls, "Discovery:Etcd:Tls:CertFile=/etc/hostname", "Discovery:Etcd:Tls:KeyFile=/etc/hostname"], "Discovery:Etcd:Tls:CertFile '/etc/hostname' and Discovery:Etcd:Tls:KeyFile '/etc/hostname' are not a PEM certificate and its private key" },
        { [Valid, "Discovery:Etcd:ConnectTimeout=00:00:00"], "Discovery:Etcd:ConnectTimeout is 00:00:00: it must be between" },
        { [Valid, "Discovery:Etcd:RequestTimeout=00:00:00.010"], "Discovery:Etcd:RequestTimeout is 00:00:00.0100000: it must be between" },
        { [Valid, "Discovery:Etcd:RequestTimeout=-00:00:01"], "Discovery:Etcd:RequestTimeout is -00:00:01: it must be between" },
        { [Valid, "Discovery:Etcd:RequestTimeout=1.00:00:00"], "Discovery:Etcd:RequestTimeout is 1.00:00:00: it must be between" },
        { [Valid, "Discovery:Etcd:KeepAliveInterval=00:00:02"], "Discovery:Etcd:KeepAliveInterval is 00:00:02: it must be between 00:00:05" },
        { [Valid, "Discovery:Etcd:DataLossGracePeriod=-00:00:01"], "Discovery:Etcd:DataLossGracePeriod is -00:00:01: it must be between 00:00:00" },
        { [Valid, "Discovery:Etcd:MaxRecordBytes=0"], "Discovery:Etcd:MaxRecordBytes is 0: it must be greater than 0" },
        { [Valid, "Discovery:Etcd:MaxRecordBytes=-1"], "Discovery:Etcd:MaxRecordBytes is -1: it must be greater than 0" },
        { [Valid, "Discovery:Etcd:KeyPrefix=/prod/"], "Discovery:Etcd:KeyPrefix '/prod/' may not start with '/'" },
        { [Valid, "Discovery:Etcd:KeyPrefix=prod//eu/"], "Discovery:Etcd:KeyPrefix 'prod//eu/' may not hold '//'" },
        { [Valid, "Discovery:Etcd:KeyPrefix=prod eu/"], "Discovery:Etcd:KeyPrefix 'prod eu/' may not hold white space" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task StartAsync_InvalidSetting_ThrowsNamingTheKey(string[] settings, string expected)
    {
        using var host = BuildHost(settings);

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ValidSettings_Starts()
    {
        using var host = BuildHost(
            "Discovery:Etcd:Endpoints:0=http://127.0.0.1:2379",
            "Discovery:Etcd:Endpoints:1=http://[::1]:2379",
            "Discovery:Etcd:Username=root",
            "Discovery:Etcd:Password=secret",
            "Discovery:Etcd:KeyPrefix=prod/eu",
            "Discovery:Etcd:KeepAliveInterval=00:00:05",
            "Discovery:Etcd:DataLossGracePeriod=00:00:00",
            "Discovery:Etcd:MaxRecordBytes=1024");

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public void AddDiscoveryEtcd_OptionsSetInCode_WinOverConfiguration()
    {
        using var host = BuildHost(
            configure: o =>
            {
                o.Endpoints = ["http://127.0.0.1:2999"];
                o.KeyPrefix = "code/";
            },
            Valid,
            "Discovery:Etcd:KeyPrefix=prod/eu");

        var options = host.Services.GetRequiredService<IOptions<EtcdOptions>>().Value;

        Assert.Equal(["http://127.0.0.1:2999"], options.Endpoints);
        Assert.Equal("code/", options.KeyPrefix);
        Assert.IsAssignableFrom<IServiceCatalog>(host.Services.GetRequiredService<IServiceCatalog>());
    }

    [Fact]
    public async Task StartAsync_InvalidOptionSetInCode_ThrowsNamingTheKey()
    {
        using var host = BuildHost(configure: o => o.RequestTimeout = TimeSpan.FromMilliseconds(1), Valid);

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Discovery:Etcd:RequestTimeout", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddDiscoveryEtcd_CalledTwice_RegistersOneValidatorAndOneCatalog()
    {
        var services = new ServiceCollection().AddDiscoveryEtcd().AddDiscoveryEtcd(o => o.KeyPrefix = "x/");

        Assert.Single(services, d => d.ServiceType == typeof(IServiceCatalog));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<EtcdOptions>));
    }

    [Fact]
    public async Task StartAsync_SeveralInvalidSettings_ReportsEveryKeyAndNoPassword()
    {
        using var host = BuildHost(
            "Discovery:Etcd:Endpoints:0=ftp://127.0.0.1:2379",
            "Discovery:Etcd:Password=do-not-print-me",
            "Discovery:Etcd:RequestTimeout=00:00:00");

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(3, exception.Failures.Count());
        Assert.Contains("Discovery:Etcd:Endpoints:0", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Discovery:Etcd:Username", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Discovery:Etcd:RequestTimeout", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-print-me", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_TimeoutNotATimeSpan_ThrowsNamingTheKey()
    {
        using var host = BuildHost(Valid, "Discovery:Etcd:RequestTimeout=five seconds");

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Discovery:Etcd:RequestTimeout", exception.Message, StringComparison.Ordinal);
    }

    private static IHost BuildHost(params string[] settings) => BuildHost(configure: null, settings);

    private static IHost BuildHost(Action<EtcdOptions>? configure, params string[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s =>
        {
            var equals = s.IndexOf('=', StringComparison.Ordinal);
            return new KeyValuePair<string, string?>(s[..equals], s[(equals + 1)..]);
        }));
        if (configure is null)
        {
            builder.Services.AddDiscoveryEtcd();
        }
        else
        {
            builder.Services.AddDiscoveryEtcd(configure);
        }

        return builder.Build();
    }
}
