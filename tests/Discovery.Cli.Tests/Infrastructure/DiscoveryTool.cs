using Discovery.Testing;

namespace Discovery.Cli.Tests.Infrastructure;

/// <summary>
/// The built tool (<c>src/Discovery.Cli</c>, same configuration and framework as this test assembly), run as a
/// child process exactly as an operator runs <c>discovery</c>: its standard output redirected, so JSON by default.
/// </summary>
internal static class DiscoveryTool
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromSeconds(60);

    public static string Dll { get; } = Find();

    /// <summary>Runs <c>discovery {arguments}</c> to its end.</summary>
    public static async Task<CliResult> RunAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? limit = null)
    {
        await using var process = Start(arguments, environment);
        var exitCode = await process.WaitForExitAsync(limit ?? s_runLimit);
        return new CliResult(
            exitCode,
            string.Join('\n', process.StandardOutputLines),
            string.Join('\n', process.StandardErrorLines));
    }

    /// <summary>Starts <c>discovery {arguments}</c> without waiting for it.</summary>
    public static ChildProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null) =>
        ChildProcess.StartDotnet(Dll, arguments, environment);

    private static string Find()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Discovery.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("No Discovery.sln above the test assembly."),
            "src", "Discovery.Cli", "bin", configuration, framework, "Discovery.Cli.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The tool is not built.", path);
    }
}
