namespace EchoServer;

/// <summary>Settings of the echo service itself, bound from <c>Echo</c>.</summary>
public sealed class EchoOptions
{
    public const string SectionName = "Echo";

    /// <summary>Latency added before every reply (to make calls long in tests). Default: none.</summary>
    public TimeSpan Delay { get; set; }
}
