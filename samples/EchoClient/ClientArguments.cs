namespace EchoClient;

/// <summary>
/// The command line, parsed here rather than by a library so that flags such as <c>--version</c> mean what this tool
/// says. Flags this tool does not know and <c>--Section:Key=value</c> settings pass through to configuration.
/// </summary>
internal sealed record ClientArguments
{
    public const int DefaultCalls = 100;

    public int? Calls { get; private init; }

    public TimeSpan? Duration { get; private init; }

    public int Concurrency { get; private init; } = 1;

    public string? Service { get; private init; }

    public string? Picker { get; private init; }

    public string? Version { get; private init; }

    public string? Zone { get; private init; }

    public string? Instance { get; private init; }

    public string? HashKey { get; private init; }

    /// <summary>Where to write successful calls per instance per second as CSV, for the demo's chart.</summary>
    public string? Timeline { get; private init; }

    public IReadOnlyList<string> ConfigurationArgs { get; private init; } = [];

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad flag.</summary>
    public static ClientArguments Parse(IReadOnlyList<string> args)
    {
        var result = new ClientArguments();
        var passThrough = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var name = arg;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{name} needs a value.");
                }

                return args[++i];
            }

            result = name switch
            {
                "--calls" => result with { Calls = PositiveInt(name, Value()) },
                "--duration" => result with { Duration = TimeSpan.FromSeconds(PositiveDouble(name, Value())) },
                "--concurrency" => result with { Concurrency = PositiveInt(name, Value()) },
                "--service" => result with { Service = NonEmpty(name, Value()) },
                "--picker" => result with { Picker = NonEmpty(name, Value()) },
                "--version" => result with { Version = NonEmpty(name, Value()) },
                "--zone" => result with { Zone = NonEmpty(name, Value()) },
                "--instance" => result with { Instance = NonEmpty(name, Value()) },
                "--hash-key" => result with { HashKey = NonEmpty(name, Value()) },
                "--timeline" => result with { Timeline = NonEmpty(name, Value()) },
                _ when name.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal) =>
                    PassThrough(result, passThrough, inline is null ? [arg, Value()] : [arg]),
                _ => throw new ArgumentException($"Unknown argument '{arg}'."),
            };
        }

        if (result.Calls is not null && result.Duration is not null)
        {
            throw new ArgumentException("--calls and --duration cannot be used together.");
        }

        return result with { ConfigurationArgs = passThrough };
    }

    private static ClientArguments PassThrough(ClientArguments result, List<string> passThrough, string[] args)
    {
        passThrough.AddRange(args);
        return result;
    }

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer (was '{value}').");

    private static double PositiveDouble(string name, string value) =>
        double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 && n < 1e6
            ? n
            : throw new ArgumentException($"{name} must be a positive number of seconds (was '{value}').");

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} may not be empty.") : value;
}
