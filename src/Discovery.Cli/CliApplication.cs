using System.CommandLine;
using Discovery.Cli.Commands;

namespace Discovery.Cli;

/// <summary>The <c>discovery</c> command line: its commands, global options and exit codes.</summary>
internal static class CliApplication
{
    public static RootCommand Create()
    {
        var globals = new GlobalOptions();
        var runner = new CommandRunner(globals);
        var root = new RootCommand($"""
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
