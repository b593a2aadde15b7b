using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Discovery.Cli.Operating;
using Discovery.Cli.Output;
using Discovery.Hosting.Control;
using Spectre.Console;

namespace Discovery.Cli.Commands;

/// <summary><c>discovery drain SERVICE INSTANCE</c>: pause, then wait with a progress display until no call is in flight.</summary>
internal static class DrainCommand
{
    public static Command Create(CommandRunner runner)
    {
        var instance = new InstanceArguments();
        var timeout = DurationOption.Create("--timeout", TimeSpan.FromSeconds(60), "How long to wait for zero calls in flight (exit code 8 past it; the instance stays draining).");
        var command = new Command("drain", """
            Drains an instance: it deletes its records as pause does, and reports drained once no gRPC call is in
            flight. Shows the calls still in flight until then. Resume it with discovery resume.

            Examples:
              discovery drain echo s2
              discovery drain echo s2 --timeout 2m --output json && systemctl stop echo
            """);
        instance.AddTo(command);
        command.Options.Add(timeout);
        command.SetAction((parse, ct) => runner.RunAsync(parse, ct, async (connection, output, token) =>
        {
            var (service, id) = await instance.ResolveAsync(parse, connection, token).ConfigureAwait(false);
            var statusWatch = new StatusWatch(connection, service, id);
            if (await statusWatch.ReadAsync(token).ConfigureAwait(false) is null)
            {
                throw new CliException(ExitCodes.NotFound,
                    $"{service}/{id} writes no status record (not a Discovery.Hosting server, or not running): a drain could not be followed.");
            }

            await new ControlWriter(connection)
                .ApplyAsync(service, id, record => record with { Mode = ControlMode.Draining }, token).ConfigureAwait(false);
            var started = Stopwatch.StartNew();
            var limit = parse.GetValue(timeout);
            (StatusRecord? Last, bool Reached) result;
            if (output.IsJson || !output.Console.Profile.Capabilities.Interactive)
            {
                result = await statusWatch.WaitAsync(IsDrained, limit, null, token).ConfigureAwait(false);
            }
            else
            {
                result = await output.Console.Status().StartAsync($"draining {Markup.Escape(service)}/{Markup.Escape(id)}", ctx =>
                    statusWatch.WaitAsync(IsDrained, limit, s => ctx.Status(Progress(service, id, s, started.Elapsed)), token)).ConfigureAwait(false);
            }

            var last = result.Last ?? new StatusRecord("gone", 0, 0, null);
            var document = new DrainDocument(service, id, last.State, last.InFlight, last.DrainedAt, Math.Round(started.Elapsed.TotalSeconds, 3));
            output.Write(document, d => new Markup(
                $"{Markup.Escape(d.Service)}/{Markup.Escape(d.Instance)}: " +
                (result.Reached ? "[green]drained[/]" : $"[yellow]{Markup.Escape(d.State)}[/]") +
                $", {d.InFlight.ToString(CultureInfo.InvariantCulture)} call(s) in flight after {d.ElapsedSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s" +
                Environment.NewLine));
            if (!result.Reached)
            {
                CommandOutput.Note($"discovery: {service}/{id} still had {last.InFlight} call(s) in flight after {limit.TotalSeconds:0.#} s.");
                return ExitCodes.Timeout;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static bool IsDrained(StatusRecord status) => status.State == "drained";

    private static string Progress(string service, string id, StatusRecord? status, TimeSpan elapsed) =>
        status is { } s
            ? $"draining {Markup.Escape(service)}/{Markup.Escape(id)}: [bold]{s.InFlight.ToString(CultureInfo.InvariantCulture)}[/] call(s) in flight ({Markup.Escape(s.State)}, {elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s)"
            : $"draining {Markup.Escape(service)}/{Markup.Escape(id)}: no status record";
}
