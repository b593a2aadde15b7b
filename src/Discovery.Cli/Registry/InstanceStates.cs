namespace Discovery.Cli.Registry;

/// <summary>The <c>state</c> values of <see cref="InstanceRow"/>: public output, never renamed.</summary>
internal static class InstanceStates
{
    /// <summary>In etcd: clients call it.</summary>
    public const string Serving = "serving";

    /// <summary>Paused by its control record: records out of etcd, process and lease kept.</summary>
    public const string Paused = "paused";

    /// <summary>Draining: records out of etcd, calls in flight still running.</summary>
    public const string Draining = "draining";

    /// <summary>Drained: records out of etcd, no call in flight.</summary>
    public const string Drained = "drained";

    /// <summary>Held out of etcd by its health gate.</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>The state an instance's status record reports, in the tool's words.</summary>
    public static string FromStatus(string status) => status switch
    {
        "registered" => Serving,
        _ => status,
    };
}
