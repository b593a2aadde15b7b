using System.Text.Json;
using Discovery.Testing;

namespace Discovery.Hosting.Tests.Integration;

public sealed class PythonClientTests(EtcdNodeFixture etcd) : IClassFixture<EtcdNodeFixture>
{
    // Debian's interpreter: the python3 on PATH is a pyenv without grpcio.
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task PythonGrpcClient_AddressReadFromEtcd_GetsUnaryAndStreamingReplies()
    {
        await using var server = await EchoServers.StartAsync(etcd.Node.ClientUrl, "python-echo");
        await server.WaitRegistrationLoggedAsync();
        using var client = etcd.Node.CreateClient();
        var (_, value) = Assert.Single(await client.GetPrefixAsync("python-echo/"));
        using var record = JsonDocument.Parse(value);
        var address = record.RootElement.GetProperty("Addr").GetString()!;

        await using var python = ChildProcess.Start(Python, [Path.Combine(AppContext.BaseDirectory, "Integration", "echo_client.py"), address, "héllo"]);
        var exit = await python.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, string.Join('\n', python.StandardErrorLines));
        var expected = $"héllo (from {server.InstanceId})";
        Assert.Equal(
            ["unary:" + expected, "stream:" + expected, "stream:" + expected, "stream:" + expected],
            python.StandardOutputLines.Where(l => l.Length > 0));
    }
}
