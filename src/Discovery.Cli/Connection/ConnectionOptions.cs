using System.CommandLine;

namespace Discovery.Cli.Connection;

/// <summary>
/// The options every command takes to reach etcd. No option carries a password: it comes from
/// <see cref="PasswordSource.EnvironmentVariable"/> or a prompt, so it never shows in a shell history or a process list.
/// </summary>
internal sealed class ConnectionOptions
{
    public Option<string[]> Endpoints { get; } = new("--endpoints", "-e")
    {
        Description = "etcd client URLs, comma-separated or repeated (http://host:port, or https://host:port with the TLS options). " +
                      "Default: Discovery:Etcd:Endpoints of --config, else http://127.0.0.1:2379.",
        AllowMultipleArgumentsPerToken = true,
        Recursive = true,
        HelpName = "url",
    };

    public Option<FileInfo?> Config { get; } = new("--config", "-c")
    {
        Description = "An appsettings JSON file whose Discovery:Etcd section (the libraries' own keys) says how to reach etcd. Options given here win over it.",
        Recursive = true,
        HelpName = "file",
    };

    public Option<string?> KeyPrefix { get; } = new("--key-prefix")
    {
        Description = "The key prefix (Discovery:Etcd:KeyPrefix) the services live under, such as prod/.",
        Recursive = true,
        HelpName = "prefix",
    };

    public Option<FileInfo?> CaFile { get; } = new("--ca-file")
    {
        Description = "PEM file with the CA certificate(s) that signed etcd's server certificate (Discovery:Etcd:Tls:CaFile).",
        Recursive = true,
        HelpName = "file",
    };

    public Option<FileInfo?> CertFile { get; } = new("--cert-file")
    {
        Description = "PEM client certificate, for an etcd started with --client-cert-auth (Discovery:Etcd:Tls:CertFile).",
        Recursive = true,
        HelpName = "file",
    };

    public Option<FileInfo?> KeyFile { get; } = new("--key-file")
    {
        Description = "PEM private key of --cert-file (Discovery:Etcd:Tls:KeyFile).",
        Recursive = true,
        HelpName = "file",
    };

    public Option<string?> User { get; } = new("--user", "-u")
    {
        Description = $"etcd user name. The password is read from the {PasswordSource.EnvironmentVariable} environment variable, " +
                      "or asked for on the terminal; it is never a command-line argument.",
        Recursive = true,
        HelpName = "name",
    };

    public IEnumerable<Option> All => [Endpoints, Config, KeyPrefix, CaFile, CertFile, KeyFile, User];
}
