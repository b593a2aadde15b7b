using System.CommandLine;
using Discovery.Cli.Connection;
using Discovery.Cli.Output;
using Spectre.Console;

namespace Discovery.Cli.Commands;

/// <summary>
/// Runs a command's body with its connection and output, and turns every failure into a message on standard error
/// and one of the <see cref="ExitCodes"/>.
/// </summary>
internal sealed class CommandRunner(GlobalOptions globals)
{
    private const int RedirectedWidth = 240;

    public GlobalOptions Globals => globals;

    public async Task<int> RunAsync(
        ParseResult parse,
        CancellationToken cancellationToken,
        Func<RegistryConnection, CommandOutput, CancellationToken, Task<int>> body)
    {
        try
        {
            if (Console.IsOutputRedirected)
            {
                // No terminal to fit: a table written to a file or a pipe keeps every column whole.
                AnsiConsole.Profile.Width = RedirectedWidth;
            }

            var output = new CommandOutput(OutputOption.Resolve(parse.GetValue(globals.Output)), AnsiConsole.Console);
            var options = EtcdOptionsReader.Read(parse, globals.Connection);
            await using var connection = RegistryConnection.Open(options);
            return await body(connection, output, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            CommandOutput.Note($"discovery: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the conventional exit code of a process ended by SIGINT.
            return 130;
        }
    }

    /// <summary>Checks a service name as the libraries do.</summary>
    public static string ValidService(string? service)
    {
        var problem = Discovery.Etcd.Records.ServiceKeys.ValidateServiceName(service);
        return problem is null ? service! : throw new CliException(ExitCodes.Usage, $"The service name {problem}.");
    }
}
