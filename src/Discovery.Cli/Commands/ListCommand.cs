using System.CommandLine;
using Discovery.Cli.Output;
using Discovery.Cli.Registry;

namespace Discovery.Cli.Commands;

/// <summary><c>discovery list [SERVICE]</c>.</summary>
internal static class ListCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string?>("service")
        {
            Description = "A service name; without it, every service under the key prefix.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("list", """
            Lists every service, or one service's instances as clients see them: id, address, version, zone, weight,
            state (serving, paused, draining, drained, withdrawn), lease and its remaining TTL, calls in flight.

            Examples:
              discovery list
              discovery list echo --endpoints http://10.0.0.1:2379
              discovery list echo --config appsettings.json --output json
              DISCOVERY_ETCD_PASSWORD=… discovery list echo --user ops
            """)
        {
            service,
        };
        command.SetAction((parse, ct) => runner.RunAsync(parse, ct, async (connection, output, token) =>
        {
            var reader = new RegistryReader(connection);
            if (parse.GetValue(service) is { } name)
            {
                var rows = await reader.ReadServiceAsync(CommandRunner.ValidService(name), token).ConfigureAwait(false);
                output.Write(new InstanceListDocument(name, [.. rows.Select(InstanceDocument.From)]), d => InstanceTable.Build(d));
                return ExitCodes.Ok;
            }

            var services = new List<ServiceDocument>();
            foreach (var each in await reader.ListServiceNamesAsync(token).ConfigureAwait(false))
            {
                var rows = await reader.ReadServiceAsync(each, token).ConfigureAwait(false);
                services.Add(new ServiceDocument(each, rows.Count, rows.Count(r => r.State == InstanceStates.Serving)));
            }

            output.Write(new ServiceListDocument(services), ServiceTable.Build);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
