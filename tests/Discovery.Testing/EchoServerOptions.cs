namespace Discovery.Testing;

/// <summary>
/// How an <see cref="EchoServerProcess"/> runs the EchoServer sample. A null value leaves the sample's own setting
/// (its <c>appsettings.json</c>: version v1, lease TTL 10 s, drain delay 2 s, no echo delay).
/// </summary>
/// <example><code>
/// var fast = new EchoServerOptions { LeaseTtl = TimeSpan.FromSeconds(2), DrainDelay = TimeSpan.FromMilliseconds(500) };
/// await using var server = await EchoServerProcess.StartRegisteredAsync([etcd.ClientUrl], client, "echo", "s1", options: fast with { Zone = "a" });
/// </code></example>
public sealed record EchoServerOptions
{
    /// <summary>Warnings only, plus the sample's own start-up line (<c>EchoServer listening on …</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string> QuietLogLevels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Default"] = "Warning",
        ["EchoServer"] = "Information",
    }.AsReadOnly();

    /// <summary><c>Discovery:Registration:LeaseTtl</c>.</summary>
    public TimeSpan? LeaseTtl { get; init; }

    /// <summary><c>Discovery:Registration:DrainDelay</c>.</summary>
    public TimeSpan? DrainDelay { get; init; }

    /// <summary><c>Discovery:Registration:Version</c>.</summary>
    public string? Version { get; init; }

    /// <summary><c>Discovery:Registration:Weight</c>.</summary>
    public int? Weight { get; init; }

    /// <summary><c>Discovery:Registration:Zone</c>.</summary>
    public string? Zone { get; init; }

    /// <summary><c>Echo:Delay</c>: how long each reply waits.</summary>
    public TimeSpan? EchoDelay { get; init; }

    /// <summary>
    /// <c>Logging:LogLevel:{category}</c> values; <see cref="QuietLogLevels"/> by default. An empty map keeps the
    /// sample's levels (Information), which <see cref="EchoServerProcess.WaitRegistrationLoggedAsync"/> needs.
    /// </summary>
    public IReadOnlyDictionary<string, string> LogLevels { get; init; } = QuietLogLevels;

    /// <summary>More command-line arguments, appended last (so they win over the ones above).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>The sample's command-line arguments for these options, without the URLs, etcd and identity.</summary>
    internal IEnumerable<string> ToArguments()
    {
        if (Version is not null)
        {
            yield return $"--Discovery:Registration:Version={Version}";
        }

        if (LeaseTtl is { } leaseTtl)
        {
            yield return $"--Discovery:Registration:LeaseTtl={leaseTtl:c}";
        }

        if (DrainDelay is { } drainDelay)
        {
            yield return $"--Discovery:Registration:DrainDelay={drainDelay:c}";
        }

        if (Weight is { } weight)
        {
            yield return $"--Discovery:Registration:Weight={weight}";
        }

        if (Zone is not null)
        {
            yield return $"--Discovery:Registration:Zone={Zone}";
        }

        if (EchoDelay is { } echoDelay)
        {
            yield return $"--Echo:Delay={echoDelay:c}";
        }

        foreach (var (category, level) in LogLevels)
        {
            yield return $"--Logging:LogLevel:{category}={level}";
        }

        foreach (var argument in ExtraArguments)
        {
            yield return argument;
        }
    }
}
