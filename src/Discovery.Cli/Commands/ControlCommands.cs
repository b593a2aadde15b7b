using System.CommandLine;
using System.Globalization;
using Discovery.Cli.Operating;
using Discovery.Cli.Output;
using Discovery.Hosting.Control;
using Spectre.Console;

namespace Discovery.Cli.Commands;

/// <summary><c>discovery pause</c>, <c>resume</c> and <c>weight</c>: write the control record, then wait for the instance to say it obeyed.</summary>
internal static class ControlCommands
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(10);

    public static Command Pause(CommandRunner runner) => Create(
        runner,
        "pause",
        """
        Pauses an instance: it deletes its records (clients stop calling it), keeps its lease, connections and process,
        and serves the calls in flight. Waits until the instance reports paused.

        Examples:
          discovery pause echo s2
          discovery pause echo s2 --timeout 30s --output json
        """,
        weight: null,
        (record, _) => record with { Mode = ControlMode.Paused },
        status => status.State == "paused");

    public static Command Resume(CommandRunner runner) => Create(
        runner,
        "resume",
        """
        Resumes a paused or draining instance: it writes its records back (unless its health gate holds them out).
        Waits until the instance reports registered (or withdrawn by its health gate).

        Examples:
          discovery resume echo s2
        """,
        weight: null,
        (record, _) => record with { Mode = ControlMode.Active },
        status => status.State is "registered" or "withdrawn");

    public static Command Weight(CommandRunner runner)
    {
        var weight = new Argument<int>("weight") { Description = "The new weight, a positive integer (100 is the default weight)." };
        weight.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0)
            {
                r.AddError("The weight must be a positive integer.");
            }
        });
        return Create(
            runner,
            "weight",
            """
            Sets an instance's weight: it rewrites its records with it (weighted_round_robin and Go clients read it).
            Waits until the instance reports the new weight.

            Examples:
              discovery weight echo s2 300
              discovery weight echo s2 50 --output json
            """,
            weight,
            (record, value) => record with { Weight = value },
            status => true);
    }

    private static Command Create(
        CommandRunner runner,
        string name,
        string description,
        Argument<int>? weight,
        Func<ControlRecord, int, ControlRecord> change,
        Func<StatusRecord, bool> obeyed)
    {
        var instance = new InstanceArguments();
        var timeout = DurationOption.Create("--timeout", s_defaultTimeout, "How long to wait for the instance to report the change (exit code 8 past it).");
        var command = new Command(name, description);
        instance.AddTo(command);
        if (weight is not null)
        {
            command.Arguments.Add(weight);
        }

        command.Options.Add(timeout);
        command.SetAction((parse, ct) => runner.RunAsync(parse, ct, async (connection, output, token) =>
        {
            var (service, id) = await instance.ResolveAsync(parse, connection, token).ConfigureAwait(false);
            var asked = weight is null ? 0 : parse.GetValue(weight);
            var written = await new ControlWriter(connection)
                .ApplyAsync(service, id, record => change(record, asked), token).ConfigureAwait(false);

            var statusWatch = new StatusWatch(connection, service, id);
            var confirmed = false;
            string? reported = null;
            var exitCode = ExitCodes.Ok;
            if (await statusWatch.ReadAsync(token).ConfigureAwait(false) is null)
            {
                CommandOutput.Note($"discovery: {service}/{id} writes no status record (not a Discovery.Hosting server, or not running): the control record is written, not confirmed.");
            }
            else
            {
                var (last, reached) = await statusWatch.WaitAsync(
                    s => obeyed(s) && (weight is null || s.Weight == asked), parse.GetValue(timeout), null, token).ConfigureAwait(false);
                confirmed = reached;
                reported = last?.State;
                if (!reached)
                {
                    CommandOutput.Note($"discovery: {service}/{id} did not report the change within {parse.GetValue(timeout).TotalSeconds:0.#} s (it reports {reported ?? "nothing"}).");
                    exitCode = ExitCodes.Timeout;
                }
            }

            var document = new ControlDocument(service, id, ControlRecord.Name(written.Mode), written.Weight, confirmed, reported);
            output.Write(document, d => new Markup(
                $"{Markup.Escape(d.Service)}/{Markup.Escape(d.Instance)}: asked [bold]{d.RequestedState}[/]" +
                (d.RequestedWeight is { } w ? $", weight [bold]{w.ToString(CultureInfo.InvariantCulture)}[/]" : string.Empty) +
                (d.Confirmed ? $"; the instance reports [green]{Markup.Escape(d.ReportedState ?? string.Empty)}[/]" : "; [yellow]not confirmed[/]") +
                Environment.NewLine));
            return exitCode;
        }));
        return command;
    }
}
