using System.Diagnostics;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Packaging.Tests;

/// <summary>
/// The README's "Use it" from the outside, as a new user does it: in a folder outside the repository,
/// <c>dotnet new web</c> a server and <c>dotnet new console</c> a client, <c>dotnet add package</c> ours by name
/// (from the packed folder only) and gRPC's, write the README's lines and appsettings.json, build, and run both
/// against a real etcd; then install the <c>discovery</c> tool from the same folder with
/// <c>dotnet tool install --tool-path</c> and list the server with it.
/// </summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class ConsumerTests(PackedPackages packages, ITestOutputHelper output)
{
    /// <summary>The lines of our API the README says a server and a client need; the README quotes this number.</summary>
    public const int ReadmeApiLines = 2;

    private static readonly TimeSpan NewTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan AddPackageTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    private const string ServerProgram = """
        using Grpc.Core;
        using Grpc.Examples.Echo;

        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddGrpc();
        builder.Services.AddEtcdRegistration();

        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        app.Run();

        sealed class EchoService : Echo.EchoBase
        {
            public override Task<EchoResponse> UnaryEcho(EchoRequest request, ServerCallContext context) =>
                Task.FromResult(new EchoResponse { Message = request.Message });
        }

        """;

    private const string ClientProgram = """
        using Grpc.Examples.Echo;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;

        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd("echo");

        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<Echo.EchoClient>();
        for (var i = 1; i <= 3; i++)
        {
            var reply = await client.UnaryEchoAsync(new EchoRequest { Message = $"hello {i}" });
            Console.WriteLine($"reply: {reply.Message}");
        }

        await host.StopAsync();

        """;

    [Fact]
    public async Task FreshServerAndClient_TakingThePackagesByName_CallEachOtherThroughEtcd()
    {
        var clock = Stopwatch.StartNew();
        var folder = Path.Combine(packages.WorkFolder, "consumer");
        Directory.CreateDirectory(folder);
        var environment = await ConsumerFeed.WriteAsync(folder, packages.PackageFolder);
        await using var etcd = await EtcdNode.StartAsync();
        var version = packages["Discovery.Hosting"].Version;

        // Server and client are set up side by side, as two terminals would.
        var serverTask = CreateProjectAsync(
            folder,
            "web",
            "Server",
            [["Discovery.Hosting", "--version", version], ["Grpc.AspNetCore"]],
            ServerProgram,
            $$"""
            {
              "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } },
              "Urls": "http://127.0.0.1:0",
              "Kestrel": { "EndpointDefaults": { "Protocols": "Http2" } },
              "Discovery": {
                "Etcd": { "Endpoints": [ "{{etcd.ClientUrl}}" ] },
                "Registration": { "ServiceName": "echo" }
              }
            }
            """,
            ["""<Protobuf Include="Protos/echo.proto" GrpcServices="Server" />"""],
            environment);
        var clientTask = CreateProjectAsync(
            folder,
            "console",
            "Client",
            [["Discovery.ClientFactory", "--version", version], ["Grpc.Net.ClientFactory"], ["Google.Protobuf"], ["Grpc.Tools"], ["Microsoft.Extensions.Hosting"]],
            ClientProgram,
            $$"""
            {
              "Logging": { "LogLevel": { "Default": "Warning" } },
              "Discovery": {
                "Etcd": { "Endpoints": [ "{{etcd.ClientUrl}}" ] }
              }
            }
            """,
            [
                """<Protobuf Include="Protos/echo.proto" GrpcServices="Client" />""",
                """<None Update="appsettings.json" CopyToOutputDirectory="PreserveNewest" />""",
            ],
            environment);
        var toolTask = InstallToolAsync(folder, version, environment);
        var serverDll = await serverTask;
        var clientDll = await clientTask;
        var tool = await toolTask;
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: server and client created and built (pack before: {packages.PackTime.TotalSeconds:0.0} s)");

        await using var server = ChildProcess.StartDotnet(serverDll, []);
        await using var client = await RunClientAsync(etcd, server, clientDll);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: the client ran");

        Assert.Equal(["reply: hello 1", "reply: hello 2", "reply: hello 3"], client.StandardOutputLines.Where(l => l.StartsWith("reply: ", StringComparison.Ordinal)));
        await AssertToolListsTheServerAsync(tool, etcd);
        var apiLines = OurApiLines.In(
            packages.All.Select(ShippedAssembly.Of),
            [Path.Combine(folder, "Server", "Program.cs"), Path.Combine(folder, "Client", "Program.cs")]);
        output.WriteLine($"lines of our API the consumer wrote: {apiLines.Count}");
        foreach (var line in apiLines)
        {
            output.WriteLine("  " + line);
        }

        Assert.Equal(ReadmeApiLines, apiLines.Count);
    }

    private async Task<ChildProcess> RunClientAsync(EtcdNode etcd, ChildProcess server, string clientDll)
    {
        ChildProcess? client = null;
        try
        {
            using var etcdClient = etcd.CreateClient();
            await Eventually.UntilAsync(
                async () => (await etcdClient.GetPrefixAsync("echo/")).Count == 1,
                RunTimeout,
                "the server registers in etcd");
            client = ChildProcess.StartDotnet(clientDll, []);
            var exitCode = await client.WaitForExitAsync(RunTimeout);
            Assert.True(exitCode == 0, $"The client exited with {exitCode}.");
            return client;
        }
        catch
        {
            Dump("server", server);
            if (client is not null)
            {
                Dump("client", client);
                await client.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Installs the tool package by name from the packed folder into a tool path; returns the <c>discovery</c> command.</summary>
    private static async Task<string> InstallToolAsync(string folder, string version, IReadOnlyDictionary<string, string> environment)
    {
        var toolPath = Path.Combine(folder, "tools");
        await DotnetCli.RunAsync(folder, ["tool", "install", "Discovery.Cli", "--version", version, "--tool-path", toolPath], AddPackageTimeout, environment);
        return Path.Combine(toolPath, "discovery");
    }

    /// <summary>The installed tool lists the consumer's server, as an operator would read it.</summary>
    private async Task AssertToolListsTheServerAsync(string tool, EtcdNode etcd)
    {
        var environment = new Dictionary<string, string>();
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // The tool's launcher finds .NET where this test runs on it.
            environment["DOTNET_ROOT"] = Path.GetDirectoryName(Environment.ProcessPath)!;
        }

        await using var list = ChildProcess.Start(tool, ["list", "echo", "--endpoints", etcd.ClientUrl], environment);
        var exitCode = await list.WaitForExitAsync(RunTimeout);
        if (exitCode != 0)
        {
            Dump("discovery list", list);
        }

        Assert.Equal(0, exitCode);
        using var json = System.Text.Json.JsonDocument.Parse(string.Join('\n', list.StandardOutputLines));
        Assert.Equal("echo", json.RootElement.GetProperty("service").GetString());
        var instance = Assert.Single(json.RootElement.GetProperty("instances").EnumerateArray());
        Assert.Equal("serving", instance.GetProperty("state").GetString());
        output.WriteLine($"discovery list echo: {instance.GetRawText()}");
    }

    /// <summary>Creates, sets up and builds one consumer project; returns its built assembly.</summary>
    private async Task<string> CreateProjectAsync(
        string folder,
        string template,
        string name,
        IReadOnlyList<string[]> packageArguments,
        string program,
        string appSettings,
        IReadOnlyList<string> projectItems,
        IReadOnlyDictionary<string, string> environment)
    {
        var project = Path.Combine(folder, name);
        await DotnetCli.RunAsync(folder, ["new", template, "--name", name, "--output", name, "--no-restore"], NewTimeout, environment);
        foreach (var arguments in packageArguments)
        {
            // Without a version, the newest one the machine's sources serve, as for a user.
            await DotnetCli.RunAsync(project, ["add", "package", .. arguments], AddPackageTimeout, environment);
        }

        Directory.CreateDirectory(Path.Combine(project, "Protos"));
        File.Copy(Path.Combine(packages.RepositoryRoot, "samples", "Protos", "echo.proto"), Path.Combine(project, "Protos", "echo.proto"));
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), program);
        await File.WriteAllTextAsync(Path.Combine(project, "appsettings.json"), appSettings);
        var csproj = Path.Combine(project, name + ".csproj");
        var text = await File.ReadAllTextAsync(csproj);
        var end = text.LastIndexOf("</Project>", StringComparison.Ordinal);
        var items = string.Concat(projectItems.Select(i => $"    {i}\n"));
        await File.WriteAllTextAsync(csproj, $"{text[..end]}  <ItemGroup>\n{items}  </ItemGroup>\n\n</Project>\n");

        // Warnings as errors: our packages must not add a warning to a consumer's build (a version conflict, a
        // downgrade, a missing dependency).
        await DotnetCli.RunAsync(project, ["build", "-c", "Release", "-warnaserror", "-nologo", "-v:q"], BuildTimeout, environment);
        return Directory.GetFiles(Path.Combine(project, "bin", "Release"), name + ".dll", SearchOption.AllDirectories).Single();
    }

    private void Dump(string name, ChildProcess process)
    {
        output.WriteLine($"--- {name} stdout ---");
        foreach (var line in process.StandardOutputLines)
        {
            output.WriteLine(line);
        }

        output.WriteLine($"--- {name} stderr ---");
        foreach (var line in process.StandardErrorLines)
        {
            output.WriteLine(line);
        }
    }
}
