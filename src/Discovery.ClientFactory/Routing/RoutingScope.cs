namespace Discovery.ClientFactory.Routing;

/// <summary>The ambient routing of an async flow, set by <c>DiscoveryRouting.Scope</c>.</summary>
internal sealed class RoutingScope : IDisposable
{
    private static readonly AsyncLocal<RoutingScope?> Ambient = new();

    private readonly RoutingScope? _previous;
    private int _disposed;

    private RoutingScope(RoutingScope? previous, string? instanceId, string? version, string? hashKey)
    {
        _previous = previous;
        InstanceId = instanceId ?? previous?.InstanceId;
        Version = version ?? previous?.Version;
        HashKey = hashKey ?? previous?.HashKey;
    }

    public static RoutingScope? Current => Ambient.Value;

    public string? InstanceId { get; }

    public string? Version { get; }

    public string? HashKey { get; }

    public static RoutingScope Enter(string? instanceId, string? version, string? hashKey)
    {
        var scope = new RoutingScope(Ambient.Value, Empty(instanceId), Empty(version), Empty(hashKey));
        Ambient.Value = scope;
        return scope;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && ReferenceEquals(Ambient.Value, this))
        {
            Ambient.Value = _previous;
        }
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
