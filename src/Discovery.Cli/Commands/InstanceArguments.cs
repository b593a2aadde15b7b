using System.CommandLine;
using Discovery.Cli.Connection;
using Discovery.Cli.Registry;

namespace Discovery.Cli.Commands;

/// <summary>The <c>SERVICE INSTANCE</c> arguments of the commands that act on one instance, and the check that it exists.</summary>
internal sealed class InstanceArguments
{
    public Argument<string> Service { get; } = new("service") { Description = "The service name." };

    public Argument<string> Instance { get; } = new("instance") { Description = "The instance id (the id column of list)." };

    public Option<bool> Force { get; } = new("--force")
    {
        Description = "Write the control record even when no such instance is registered now (it applies when the instance starts).",
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Service);
        command.Arguments.Add(Instance);
        command.Options.Add(Force);
    }

    /// <summary>The service and instance named, after checking the instance is registered (unless <c>--force</c>).</summary>
    public async Task<(string Service, string Instance)> ResolveAsync(ParseResult parse, RegistryConnection connection, CancellationToken cancellationToken)
    {
        var service = CommandRunner.ValidService(parse.GetValue(Service));
        var instance = parse.GetValue(Instance) ?? string.Empty;
        if (instance.Length == 0 || instance.Contains('/', StringComparison.Ordinal) || instance.Any(char.IsWhiteSpace))
        {
            throw new CliException(ExitCodes.Usage, $"The instance id '{instance}' is empty or holds '/' or white space.");
        }

        if (!parse.GetValue(Force))
        {
            var rows = await new RegistryReader(connection).ReadServiceAsync(service, cancellationToken).ConfigureAwait(false);
            if (!rows.Any(r => r.Id == instance))
            {
                var known = rows.Count == 0 ? "none" : string.Join(", ", rows.Select(r => r.Id).Distinct());
                throw new CliException(ExitCodes.NotFound,
                    $"No instance '{instance}' of service '{service}' is registered (instances: {known}). Use --force to write its control record anyway.");
            }
        }

        return (service, instance);
    }
}
