using Discovery.Cli.Tests.Infrastructure;
using Discovery.Testing;

namespace Discovery.Cli.Tests.Commands;

/// <summary>How the tool reaches etcd, and the distinct exit code of each way that fails.</summary>
public sealed class ConnectionTests
{
    private const string PasswordVariable = "DISCOVERY_ETCD_PASSWORD";

    [Fact]
    public async Task AnyCommand_NoEtcdAtTheEndpoint_ExitsUnreachable()
    {
        var result = await DiscoveryTool.RunAsync(["list", "--endpoints", $"http://127.0.0.1:{FreePort.Next()}"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("unreachable", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_WrongCommandLine_ExitsUsage()
    {
        var missingArguments = await DiscoveryTool.RunAsync(["pause"]);
        var unknownFormat = await DiscoveryTool.RunAsync(["list", "--output", "yaml"]);
        var badWeight = await DiscoveryTool.RunAsync(["weight", "echo", "s1", "0"]);

        Assert.True(missingArguments.ExitCode == 2, missingArguments.ToString());
        Assert.True(unknownFormat.ExitCode == 2, unknownFormat.ToString());
        Assert.True(badWeight.ExitCode == 2, badWeight.ToString());
    }

    [Fact]
    public async Task AnyCommand_InvalidEndpoint_ExitsUsageNamingTheConfigurationKey()
    {
        var result = await DiscoveryTool.RunAsync(["list", "--endpoints", "ftp://127.0.0.1:2379"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Discovery:Etcd:Endpoints", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCommand_Help_ShowsExamples()
    {
        foreach (var command in new[] { "list", "watch", "inspect", "pause", "resume", "drain", "weight" })
        {
            var result = await DiscoveryTool.RunAsync([command, "--help"]);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("Examples:", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"discovery {command}", result.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task List_ConfigFileWithTheLibrarysKeys_ReachesEtcd()
    {
        await using var etcd = await EtcdNode.StartAsync();
        using var client = etcd.CreateClient();
        await client.PutAsync("prod/echo/127.0.0.1:5001", Records.Form("127.0.0.1:5001", "id=s1"), 0L);
        var config = Path.Combine(Path.GetTempPath(), $"discovery-cli-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Discovery": { "Etcd": { "Endpoints": [ "{{etcd.ClientUrl}}" ], "KeyPrefix": "prod/" } } }
            """);
        try
        {
            var result = await DiscoveryTool.RunAsync(["list", "echo", "--config", config]);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("s1", Assert.Single(result.Json().GetProperty("instances").EnumerateArray()).GetProperty("id").GetString());
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task List_UserWithPasswordFromTheEnvironment_AuthenticatesOrExitsAuthenticationFailed()
    {
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        string[] list = ["list", "--endpoints", etcd.ClientUrl, "--user", "root"];

        var right = await DiscoveryTool.RunAsync(list, new Dictionary<string, string> { [PasswordVariable] = etcd.Options.RootPassword });
        var wrong = await DiscoveryTool.RunAsync(list, new Dictionary<string, string> { [PasswordVariable] = "not-the-password" });
        var none = await DiscoveryTool.RunAsync(list, new Dictionary<string, string> { [PasswordVariable] = string.Empty });

        Assert.True(right.ExitCode == 0, right.ToString());
        Assert.True(wrong.ExitCode == 4, wrong.ToString());
        Assert.DoesNotContain("not-the-password", wrong.StandardError + wrong.StandardOutput, StringComparison.Ordinal);

        // No password and no terminal to ask on (standard input is redirected here).
        Assert.True(none.ExitCode == 2, none.ToString());
        Assert.Contains(PasswordVariable, none.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_UserWithoutReadPermission_ExitsPermissionDenied()
    {
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        var root = $"root:{etcd.Options.RootPassword}";
        string[][] steps =
        [
            ["user", "add", "ops:ops-secret"],
            ["role", "add", "other-reader"],
            ["role", "grant-permission", "other-reader", "read", "other/", "--prefix=true"],
            ["user", "grant-role", "ops", "other-reader"],
        ];
        foreach (var step in steps)
        {
            await using var etcdctl = ChildProcess.Start("etcdctl", ["--endpoints", etcd.ClientUrl, "--user", root, .. step], new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
            Assert.Equal(0, await etcdctl.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        var result = await DiscoveryTool.RunAsync(
            ["list", "echo", "--endpoints", etcd.ClientUrl, "--user", "ops"], new Dictionary<string, string> { [PasswordVariable] = "ops-secret" });

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Contains("etcd denied range read of 'echo/' to user 'ops': its roles lack read permission on that prefix", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_ServerRoleWithoutWriteOnControlRecords_ExitsPermissionDeniedNamingTheKey()
    {
        // The README's server role reads its control records but may not write them: only the ops role pauses.
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        var roles = await EtcdRoles.CreateAsync(etcd, "echo");

        var result = await DiscoveryTool.RunAsync(
            ["pause", "echo", "s1", "--force", "--endpoints", etcd.ClientUrl, "--user", roles.ServerUser, "--timeout", "2s"],
            new Dictionary<string, string> { [PasswordVariable] = roles.Password });

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Contains(
            $"etcd denied put of '_discovery/control/echo/s1' to user '{roles.ServerUser}': its roles lack write permission on that key",
            result.StandardError,
            StringComparison.Ordinal);
        Assert.DoesNotContain(roles.Password, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_Tls_TrustedCaConnectsAndUntrustedCaExitsTls()
    {
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { Tls = true });
        var certificates = etcd.Certificates!;
        string[] client = ["--cert-file", certificates.ClientCertFile, "--key-file", certificates.ClientKeyFile];

        var trusted = await DiscoveryTool.RunAsync(["list", "--endpoints", etcd.ClientUrl, "--ca-file", certificates.CaFile, .. client]);
        var untrusted = await DiscoveryTool.RunAsync(["list", "--endpoints", etcd.ClientUrl, "--ca-file", certificates.UntrustedCaFile, .. client]);

        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.True(untrusted.ExitCode == 5, untrusted.ToString());
        Assert.Contains("not trusted", untrusted.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_UserWithoutPasswordVariableOnATerminal_AsksForThePasswordWithoutEchoingIt()
    {
        await using var etcd = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var marker = Path.Combine(Path.GetTempPath(), $"discovery-cli-exit-{Guid.NewGuid():N}");
        await using var terminal = await TmuxTerminal.StartAsync(
            $"env -u DISCOVERY_ETCD_PASSWORD '{dotnet}' '{DiscoveryTool.Dll}' list --output table --endpoints {etcd.ClientUrl} --user root; echo $? > {marker}; sleep 60");
        await terminal.WaitForScreenAsync(s => s.Contains("etcd password for root", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the password prompt");

        await terminal.SendKeysAsync(etcd.Options.RootPassword);
        await terminal.SendKeysAsync("Enter");

        var screen = await terminal.WaitForScreenAsync(s => s.Contains("SERVICE", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the service table");
        Assert.DoesNotContain(etcd.Options.RootPassword, screen, StringComparison.Ordinal);
        await Eventually.UntilAsync(() => File.Exists(marker) && File.ReadAllText(marker).Trim().Length > 0, TimeSpan.FromSeconds(20), "the exit code written");
        Assert.Equal("0", File.ReadAllText(marker).Trim());
        File.Delete(marker);
    }
}
