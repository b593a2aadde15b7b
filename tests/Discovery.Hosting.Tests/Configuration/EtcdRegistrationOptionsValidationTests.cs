using Discovery.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Tests.Configuration;

public sealed class EtcdRegistrationOptionsValidationTests
{
    public static TheoryData<string, string> InvalidValues => new()
    {
        { "Discovery:Registration:ServiceName", "" },
        { "Discovery:Registration:ServiceName", "/echo" },
        { "Discovery:Registration:ServiceName", "echo//v2" },
        { "Discovery:Registration:ServiceName", "ec ho" },
        { "Discovery:Registration:ServiceName", "_discovery" },
        { "Discovery:Registration:ServiceName", "_discovery/control/echo" },
        { "Discovery:Registration:InstanceId", "   " },
        { "Discovery:Registration:InstanceId", "echo/s1" },
        { "Discovery:Registration:Version", " " },
        { "Discovery:Registration:Zone", "\t" },
        { "Discovery:Registration:Weight", "0" },
        { "Discovery:Registration:Weight", "-5" },
        { "Discovery:Registration:Metadata:id", "x" },
        { "Discovery:Registration:Metadata:weight", "7" },
        { "Discovery:Registration:Metadata:scheme", "https" },
        { "Discovery:Registration:Metadata:tlsname", "echo.internal" },
        { "Discovery:Registration:TlsName", "10.0.0.1" },
        { "Discovery:Registration:TlsName", "https://echo.internal" },
        { "Discovery:Registration:TlsName", "echo.internal:5001" },
        { "Discovery:Registration:LeaseTtl", "00:00:01" },
        { "Discovery:Registration:LeaseTtl", "00:00:02.500" },
        { "Discovery:Registration:LeaseTtl", "2.00:00:00" },
        { "Discovery:Registration:DrainDelay", "-00:00:01" },
        { "Discovery:Registration:AdvertisedHost", "0.0.0.0" },
        { "Discovery:Registration:AdvertisedHost", "http://host:5000" },
        { "Discovery:Registration:Endpoints:0", "not an endpoint" },
        { "Discovery:Registration:Endpoints:0", "70000" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task StartAsync_InvalidRegistrationValue_FailsNamingTheKey(string key, string value)
    {
        using var host = BuildHost(new() { [key] = value });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ValidValuesAndNoServer_StartsAndLogsOnceThatNothingIsRegistered()
    {
        var logs = new CapturingLoggerProvider();
        using var host = BuildHost(logs, new()
        {
            ["Discovery:Registration:ServiceName"] = "prod/echo",
            ["Discovery:Registration:Metadata:canary"] = "true",
            ["Discovery:Registration:Endpoints:0"] = "5001",
            ["Discovery:Registration:Endpoints:1"] = "http://0.0.0.0:5002",
            ["Discovery:Registration:AdvertisedHost"] = "[fe80::1]",
        });

        await host.StartAsync();
        await host.StopAsync();

        Assert.Single(logs.Entries, e => e.Message.StartsWith("Nothing to register for prod/echo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_ServiceNameWithSlash_WarnsAboutGoClients()
    {
        var logs = new CapturingLoggerProvider();
        using var host = BuildHost(logs, new() { ["Discovery:Registration:ServiceName"] = "prod/echo" });

        await host.StartAsync();
        await host.StopAsync();

        Assert.Contains(logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && e.Message.Contains("grpc.WithAuthority", StringComparison.Ordinal)
            && e.Message.Contains("prod/echo", StringComparison.Ordinal));
    }

    [Fact]
    public void InstanceId_NotConfigured_IsTheSameNonEmptyValueForEveryReader()
    {
        using var host = BuildHost([]);

        var first = host.Services.GetRequiredService<IOptions<EtcdRegistrationOptions>>().Value.InstanceId;
        var second = host.Services.GetRequiredService<IOptionsMonitor<EtcdRegistrationOptions>>().Get(Options.DefaultName).InstanceId;

        Assert.False(string.IsNullOrEmpty(first));
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task AddEtcdRegistration_ActionOverload_OverridesConfiguration()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(new() { ["Discovery:Registration:Weight"] = "0" }));
        builder.Services.AddEtcdRegistration(o => o.Weight = 7);
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Equal(7, host.Services.GetRequiredService<IOptions<EtcdRegistrationOptions>>().Value.Weight);
        await host.StopAsync();
    }

    public static TheoryData<string, string> InvalidHealthGateValues => new()
    {
        { "Discovery:Registration:HealthGate:Period", "00:00:00.500" },
        { "Discovery:Registration:HealthGate:Period", "00:10:00" },
        { "Discovery:Registration:HealthGate:UnhealthyThreshold", "0" },
        { "Discovery:Registration:HealthGate:HealthyThreshold", "101" },
        { "Discovery:Registration:HealthGate:Tag", " " },
        { "Discovery:Registration:HealthGate:Tag", "live" },
    };

    [Theory]
    [MemberData(nameof(InvalidHealthGateValues))]
    public async Task StartAsync_InvalidHealthGateValue_FailsNamingTheKey(string key, string value)
    {
        using var host = BuildGatedHost(new() { [key] = value });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_HealthGateTagOnlyOnRegistrationCheck_FailsNamingTheTag()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(new() { ["Discovery:Registration:HealthGate:Enabled"] = "true" }));
        builder.Services.AddEtcdRegistration();
        builder.Services.AddHealthChecks().AddEtcdRegistrationCheck(tags: ["ready"]);
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Discovery:Registration:HealthGate:Tag 'ready' selects no health check", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_HealthGateWithTaggedCheck_Starts()
    {
        using var host = BuildGatedHost([]);

        await host.StartAsync();
        await host.StopAsync();
    }

    private static IHost BuildGatedHost(Dictionary<string, string?> values)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(new(values) { ["Discovery:Registration:HealthGate:Enabled"] = "true" }));
        builder.Services.AddEtcdRegistration();
        builder.Services.AddHealthChecks()
            .AddCheck("app", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(), tags: ["ready"])
            .AddEtcdRegistrationCheck(tags: ["ready"]);
        return builder.Build();
    }

    private static IHost BuildHost(Dictionary<string, string?> values) => BuildHost(new CapturingLoggerProvider(), values);

    private static IHost BuildHost(CapturingLoggerProvider logs, Dictionary<string, string?> values)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(Settings(values));
        builder.Services.AddEtcdRegistration();
        return builder.Build();
    }

    private static Dictionary<string, string?> Settings(Dictionary<string, string?> values)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Discovery:Etcd:Endpoints:0"] = "http://127.0.0.1:1",
            ["Discovery:Registration:ServiceName"] = "echo",
        };
        foreach (var (key, value) in values)
        {
            settings[key] = value;
        }

        return settings;
    }
}
