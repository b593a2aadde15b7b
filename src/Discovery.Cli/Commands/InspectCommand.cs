using System.CommandLine;
using Discovery.Cli.Inspection;
using Discovery.Cli.Output;

namespace Discovery.Cli.Commands;

/// <summary><c>discovery inspect [SERVICE]</c>.</summary>
internal static class InspectCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string?>("service")
        {
            Description = "A service name; without it, every record under the key prefix.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("inspect", $"""
            Decodes every record and flags what is wrong: values clients cannot read ({FindingKinds.UndecodableValue}, {FindingKinds.RecordTooLarge}),
            JSON-object metadata that stock Go clients crash on ({FindingKinds.JsonObjectMetadata}), records under no lease ({FindingKinds.NoLease}),
            one instance id claimed by two processes ({FindingKinds.DuplicateInstanceId}), one address under two keys ({FindingKinds.DuplicateAddress}),
            service names that are the start of others ({FindingKinds.ServiceNamePrefix}), unreadable control records ({FindingKinds.UndecodableControlRecord}).
            Exits with {ExitCodes.Findings} when anything is flagged, {ExitCodes.Ok} when the registry is clean: for scripts and CI.

            Examples:
              discovery inspect
              discovery inspect echo --output json
              discovery inspect --config appsettings.json || echo "the registry needs attention"
            """)
        {
            service,
        };
        command.SetAction((parse, ct) => runner.RunAsync(parse, ct, async (connection, output, token) =>
        {
            var name = parse.GetValue(service) is { } given ? CommandRunner.ValidService(given) : null;
            var (recordsChecked, findings) = await new RegistryInspector(connection).InspectAsync(name, token).ConfigureAwait(false);
            var document = new InspectDocument(
                recordsChecked, [.. findings.Select(f => new FindingDocument(f.Kind, f.Service, f.Key, f.Message))]);
            output.Write(document, FindingTable.Build);
            return findings.Count == 0 ? ExitCodes.Ok : ExitCodes.Findings;
        }));
        return command;
    }
}
