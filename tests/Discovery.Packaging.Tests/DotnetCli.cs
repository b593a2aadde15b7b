using System.Diagnostics;
using System.Text;

namespace Discovery.Packaging.Tests;

/// <summary>
/// Runs <c>dotnet</c> commands (new, add package, build, pack) as a user types them, and fails with their output when
/// one does not succeed within its deadline.
/// </summary>
/// <remarks>
/// Not <see cref="Discovery.Testing.ChildProcess"/>: its disposal kills the child's whole process group, and a build
/// that started the shared compiler server would take that server down with it while other builds on the machine
/// may be using it. MSBuild's worker nodes are not reused, so a command leaves none behind.
/// </remarks>
internal static class DotnetCli
{
    /// <summary>Runs <c>dotnet {arguments}</c> in <paramref name="workingDirectory"/> and returns its standard output.</summary>
    public static async Task<string> RunAsync(
        string workingDirectory,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(Host())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        startInfo.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var output = new StringBuilder();
        var gate = new object();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    output.AppendLine(line);
                }
            }
        }

        using var process = new Process { StartInfo = startInfo };
        var standardOutput = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            Append(e.Data);
            if (e.Data is not null)
            {
                lock (gate)
                {
                    standardOutput.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        var command = $"dotnet {string.Join(' ', startInfo.ArgumentList)}";
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` in {workingDirectory} did not finish within {timeout.TotalSeconds:0} s.{Environment.NewLine}{Snapshot()}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{command}` in {workingDirectory} exited with {process.ExitCode}.{Environment.NewLine}{Snapshot()}");
        }

        lock (gate)
        {
            return standardOutput.ToString();
        }

        string Snapshot()
        {
            lock (gate)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>The dotnet host that runs this test run (the SDK's own), else the one on the PATH.</summary>
    private static string Host() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
