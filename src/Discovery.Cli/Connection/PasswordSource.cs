using Spectre.Console;

namespace Discovery.Cli.Connection;

/// <summary>Where the etcd password comes from: an environment variable, or a prompt that does not echo it.</summary>
internal static class PasswordSource
{
    /// <summary>The environment variable read for the password of <c>--user</c>.</summary>
    public const string EnvironmentVariable = "DISCOVERY_ETCD_PASSWORD";

    /// <summary>The password for <paramref name="user"/>, or an error when there is none and no terminal to ask on.</summary>
    public static string Read(string user)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (Console.IsInputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            throw new CliException(
                ExitCodes.Usage,
                $"--user {user} needs a password: set {EnvironmentVariable} (there is no terminal to ask on).");
        }

        return AnsiConsole.Prompt(new TextPrompt<string>($"etcd password for [bold]{Markup.Escape(user)}[/]:").Secret());
    }
}
