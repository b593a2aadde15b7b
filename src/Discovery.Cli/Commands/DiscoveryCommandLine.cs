using System.CommandLine;
using System.CommandLine.Help;

namespace Discovery.Cli.Commands;

/// <summary>The <c>discovery</c> command line: its commands, global options and exit codes.</summary>
internal static class DiscoveryCommandLine
{
    /// <summary>The tool's command name (<c>ToolCommandName</c> in the project).</summary>
    public const string CommandName = "discovery";

    public static Command Create()
    {
        var globals = new GlobalOptions();
        var runner = new CommandRunner(globals);
        // A command named for the tool rather than RootCommand, which takes its name from the entry assembly
        // (Discovery.Cli): help and errors then say "discovery".
        var root = new Command(CommandName, $"""
            Reads and operates the etcd service registry of Discovery (and of Go's etcd naming resolver).

            Exit codes: {ExitCodes.Ok} ok, {ExitCodes.Findings} inspect flagged records, {ExitCodes.Usage} usage or settings, {ExitCodes.EtcdUnreachable} etcd unreachable,
            {ExitCodes.AuthenticationFailed} authentication failed, {ExitCodes.Tls} TLS / certificate, {ExitCodes.PermissionDenied} permission denied, {ExitCodes.NotFound} instance not found, {ExitCodes.Timeout} timeout,
            {ExitCodes.Failure} other failure.

            Examples:
              discovery list --endpoints http://127.0.0.1:2379
              discovery watch echo
              discovery inspect --output json
              discovery drain echo s2 --timeout 60s
            """);
        foreach (var option in globals.All)
        {
            root.Options.Add(option);
        }

        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());

        root.Subcommands.Add(ListCommand.Create(runner));
        root.Subcommands.Add(WatchCommand.Create(runner));
        root.Subcommands.Add(InspectCommand.Create(runner));
        root.Subcommands.Add(ControlCommands.Pause(runner));
        root.Subcommands.Add(ControlCommands.Resume(runner));
        root.Subcommands.Add(DrainCommand.Create(runner));
        root.Subcommands.Add(ControlCommands.Weight(runner));
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Prints the errors and the help as System.CommandLine does, with the tool's own usage exit code.
            await parse.InvokeAsync().ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
