namespace EchoServer;

/// <summary>Settings of the echo service itself, bound from <c>Echo</c>.</summary>
public sealed class EchoOptions
{
    public const string SectionName = "Echo";

    /// <summary>Latency added before every reply (to make calls long in tests). Default: none.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>How long after start the readiness check (tag <c>ready</c>) reports Unhealthy. Default: none.</summary>
    public TimeSpan ReadyAfter { get; set; }

    /// <summary>A file whose existence makes the readiness check report Unhealthy. Default: none.</summary>
    public string? UnhealthyFile { get; set; }
}
