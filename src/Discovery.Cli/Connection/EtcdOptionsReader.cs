using System.CommandLine;
using Discovery.Etcd;
using Microsoft.Extensions.Configuration;

namespace Discovery.Cli.Connection;

/// <summary>
/// Builds the <see cref="EtcdOptions"/> of a command: the <c>Discovery:Etcd</c> section of <c>--config</c> when
/// given, then the command-line options over it, then the password from <see cref="PasswordSource"/>.
/// </summary>
internal static class EtcdOptionsReader
{
    /// <summary>Where etcd is when neither the command line nor a configuration file says.</summary>
    public const string DefaultEndpoint = "http://127.0.0.1:2379";

    public static EtcdOptions Read(ParseResult parse, ConnectionOptions connection)
    {
        var options = new EtcdOptions();
        if (parse.GetValue(connection.Config) is { } file)
        {
            if (!file.Exists)
            {
                throw new CliException(ExitCodes.Usage, $"--config: the file '{file.FullName}' does not exist.");
            }

            try
            {
                new ConfigurationBuilder().AddJsonFile(file.FullName, optional: false, reloadOnChange: false).Build()
                    .GetSection(EtcdOptions.SectionName).Bind(options);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException)
            {
                throw new CliException(ExitCodes.Usage, $"--config: '{file.FullName}' cannot be read: {ex.Message}", ex);
            }
        }

        var endpoints = (parse.GetValue(connection.Endpoints) ?? [])
            .SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        if (endpoints.Count > 0)
        {
            options.Endpoints = endpoints;
        }
        else if (options.Endpoints.Count == 0)
        {
            options.Endpoints = [DefaultEndpoint];
        }

        options.KeyPrefix = parse.GetValue(connection.KeyPrefix) ?? options.KeyPrefix;
        options.Tls.CaFile = parse.GetValue(connection.CaFile)?.FullName ?? options.Tls.CaFile;
        options.Tls.CertFile = parse.GetValue(connection.CertFile)?.FullName ?? options.Tls.CertFile;
        options.Tls.KeyFile = parse.GetValue(connection.KeyFile)?.FullName ?? options.Tls.KeyFile;
        if (parse.GetValue(connection.User) is { Length: > 0 } user)
        {
            options.Username = user;
            options.Password = PasswordSource.Read(user);
        }
        else if (!string.IsNullOrEmpty(options.Username) && string.IsNullOrEmpty(options.Password))
        {
            options.Password = PasswordSource.Read(options.Username);
        }

        return options;
    }
}
