namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>
/// The EchoClient sample's command-line contract (tests and operators rely on it): the default call count, and a
/// clear message with a non-zero exit on bad arguments or configuration.
/// </summary>
[Collection(ThreeServersCollection.Name)]
public sealed class EchoClientContractTests(ThreeServersFixture servers)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task NeitherCallsNorDuration_MakesOneHundredCalls()
    {
        var summary = await EchoClientProcess.RunAsync(servers.Etcd.ClientUrl, RunTimeout, "--service", servers.Service);

        Assert.True(summary.Calls == 100 && summary.Failed == 0, summary.ToString());
        Assert.Equal(100, summary.ByInstance.Values.Sum());
    }

    [Fact]
    public async Task CallsAndDuration_ExitsNonZeroNamingBoth()
    {
        var (exitCode, stderr) = await RunExpectingFailureAsync("--service", servers.Service, "--calls", "5", "--duration", "1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--calls and --duration", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--concurrency", "0", "--concurrency must be a positive integer")]
    [InlineData("--calls", "many", "--calls must be a positive integer")]
    [InlineData("--bogus", "1", "Unknown argument '--bogus'")]
    public async Task BadArgument_ExitsNonZeroNamingIt(string flag, string value, string message)
    {
        var (exitCode, stderr) = await RunExpectingFailureAsync("--service", servers.Service, flag, value);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPicker_ExitsNonZeroNamingTheKey()
    {
        var (exitCode, stderr) = await RunExpectingFailureAsync("--service", servers.Service, "--picker", "fastest");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Discovery:Clients:EchoClient:Picker 'fastest' is not a known picker", stderr, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string StandardError)> RunExpectingFailureAsync(params string[] args)
    {
        await using var process = EchoClientProcess.Start(servers.Etcd.ClientUrl, args);
        var exitCode = await process.WaitForExitAsync(RunTimeout);
        Assert.DoesNotContain(process.StandardOutputLines, line => line.StartsWith("summary ", StringComparison.Ordinal));
        return (exitCode, string.Join('\n', process.StandardErrorLines));
    }
}
