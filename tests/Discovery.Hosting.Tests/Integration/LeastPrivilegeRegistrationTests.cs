using Authpb;
using Discovery.Hosting.Leasing;
using Discovery.Testing;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Tests.Integration;

/// <summary>
/// The registration under etcd auth with the README's least-privilege roles: the server role is enough, and a
/// server denied its write names the key and the permission, retries with backoff and says so in its health check.
/// </summary>
public sealed class LeastPrivilegeRegistrationTests : IAsyncLifetime
{
    private EtcdNode _etcd = null!;

    public async Task InitializeAsync() => _etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });

    public async Task DisposeAsync() => await _etcd.DisposeAsync();

    [Fact]
    public async Task Registration_ServerRole_RegistersAndWritesItsStatusRecord()
    {
        var service = ServiceNames.New("lp");
        var roles = await EtcdRoles.CreateAsync(_etcd, service);
        await using var app = await StartAsync(service, roles.ServerUser, roles.Password, null);
        var health = app.Services.GetRequiredService<HealthCheckService>();

        await Eventually.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(10), "registered");
        using var root = _etcd.CreateClient();
        await Eventually.UntilAsync(
            async () => (await root.GetPrefixAsync($"_discovery/status/{service}/")).Count == 1,
            TimeSpan.FromSeconds(10),
            "status record written");

        Assert.Single(await root.GetPrefixAsync(service + "/"));
    }

    [Fact]
    public async Task Registration_WriteDenied_HealthCheckNamesKeyAndPermissionAndRetriesWithBackoff()
    {
        var service = ServiceNames.New("lpdeny");
        var user = await AddReadOnlyServerAsync(service);
        using var logs = new CapturingLoggerProvider(LogLevel.Debug);
        await using var app = await StartAsync(service, user, "pw", logs);
        var health = app.Services.GetRequiredService<HealthCheckService>();

        await Eventually.UntilAsync(
            async () => (await health.CheckHealthAsync()).Entries["etcd-registration"].Description?.Contains("etcd denied", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(10),
            "health check names the denial");
        var entry = (await health.CheckHealthAsync()).Entries["etcd-registration"];
        var before = Attempts(logs);
        await Task.Delay(TimeSpan.FromSeconds(4)); // a window to count attempts in, not a wait for a condition
        var during = Attempts(logs) - before;

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains($"etcd denied put of '{service}/127.0.0.1:", entry.Description, StringComparison.Ordinal);
        Assert.Contains($"to user '{user}': its roles lack write permission on that key", entry.Description, StringComparison.Ordinal);
        Assert.Contains("etcdserver: permission denied", entry.Description, StringComparison.Ordinal);
        Assert.True(during is >= 1 and <= 12, $"{during} attempts in 4 s: " + string.Join(" || ", logs.Entries.Where(e => e.Category.StartsWith("Discovery", StringComparison.Ordinal)).Select(e => $"{e.Category}/{e.EventId}: {e.Message}")));
    }

    private static int Attempts(CapturingLoggerProvider logs) =>
        logs.Entries.Count(e => e.Category.EndsWith(nameof(LeaseKeeper), StringComparison.Ordinal) && e.EventId == 10);

    /// <summary>A server role as the README's, but with read only on the service's prefix: its registration is denied.</summary>
    private async Task<string> AddReadOnlyServerAsync(string service)
    {
        var name = "ro-" + Guid.NewGuid().ToString("N")[..8];
        using var root = _etcd.CreateClient();
        await root.RoleAddAsync(new AuthRoleAddRequest { Name = name });
        foreach (var (prefix, type) in new[]
        {
            ($"{service}/", Permission.Types.Type.Read),
            ($"_discovery/status/{service}/", Permission.Types.Type.Readwrite),
            ($"_discovery/control/{service}/", Permission.Types.Type.Read),
        })
        {
            await root.RoleGrantPermissionAsync(new AuthRoleGrantPermissionRequest
            {
                Name = name,
                Perm = new Permission { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(prefix)), PermType = type },
            });
        }

        await root.UserAddAsync(new AuthUserAddRequest { Name = name, Password = "pw" });
        await root.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = name, Role = name });
        return name;
    }

    private async Task<WebApplication> StartAsync(string service, string user, string password, CapturingLoggerProvider? logs)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddFilter("Discovery", LogLevel.Debug).AddProvider(logs);
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Kestrel:EndpointDefaults:Protocols"] = "Http2";
        builder.Configuration["Discovery:Etcd:Endpoints:0"] = _etcd.ClientUrl;
        builder.Configuration["Discovery:Etcd:Username"] = user;
        builder.Configuration["Discovery:Etcd:Password"] = password;
        builder.Configuration["Discovery:Registration:ServiceName"] = service;
        builder.Configuration["Discovery:Registration:LeaseTtl"] = "00:00:03";
        builder.Configuration["Discovery:Registration:DrainDelay"] = "00:00:00";
        builder.Services.AddEtcdRegistration();
        builder.Services.AddHealthChecks().AddEtcdRegistrationCheck();
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
