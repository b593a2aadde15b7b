using System.CommandLine;
using Discovery.Cli.Output;
using Discovery.Cli.Watching;
using Spectre.Console;

namespace Discovery.Cli.Commands;

/// <summary><c>discovery watch SERVICE</c>: a live table, or with JSON output one line per change.</summary>
internal static class WatchCommand
{
    private static readonly TimeSpan s_highlightFor = TimeSpan.FromSeconds(3);

    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var command = new Command("watch", """
            Shows a service's instances live, as clients see them: rows that join or change are highlighted, rows that
            leave stay struck through for a moment. While etcd is unreachable the last view stays on screen, marked
            STALE with its age. With --output json (the default when redirected), prints one JSON line per change,
            with the fields of list plus stale, ageSeconds and problem. Ctrl+C ends it.

            Examples:
              discovery watch echo
              discovery watch echo --output json | jq -c '.instances | length'
            """)
        {
            service,
        };
        command.SetAction((parse, ct) => runner.RunAsync(parse, ct, async (connection, output, token) =>
        {
            var name = CommandRunner.ValidService(parse.GetValue(service));
            using var follower = new RegistryFollower(connection, name);
            await follower.StartAsync(token).ConfigureAwait(false);
            try
            {
                if (output.IsJson)
                {
                    await WriteLinesAsync(follower, token).ConfigureAwait(false);
                }
                else
                {
                    await DrawAsync(follower, output.Console, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Ctrl+C is how a watch ends.
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task DrawAsync(RegistryFollower follower, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var highlighter = new ChangeHighlighter(s_highlightFor);
        var first = await follower.ReadAsync(cancellationToken).ConfigureAwait(false);
        var (rows, markOf) = highlighter.Update(first.Instances, DateTimeOffset.UtcNow);
        await console.Live(WatchScreen.Build(first with { Instances = rows }, markOf, DateTimeOffset.UtcNow))
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    await follower.WaitForChangeAsync(cancellationToken).ConfigureAwait(false);
                    var document = await follower.ReadAsync(cancellationToken).ConfigureAwait(false);
                    var now = DateTimeOffset.UtcNow;
                    var (shown, marks) = highlighter.Update(document.Instances, now);
                    context.UpdateTarget(WatchScreen.Build(document with { Instances = shown }, marks, now));
                    context.Refresh();
                }
            }).ConfigureAwait(false);
    }

    private static async Task WriteLinesAsync(RegistryFollower follower, CancellationToken cancellationToken)
    {
        InstanceListDocument? last = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var document = await follower.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (last is null || Differs(last, document))
            {
                CommandOutput.WriteJsonLine(document);
                last = document;
            }

            await follower.WaitForChangeAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // A line per change of the instances or of the stale flag; the lease TTLs and the age tick by themselves.
    private static bool Differs(InstanceListDocument a, InstanceListDocument b) =>
        a.Stale != b.Stale
        || a.Instances.Count != b.Instances.Count
        || a.Instances.Zip(b.Instances).Any(p => !ChangeHighlighter.SameIgnoringTtl(p.First, p.Second));
}
