namespace Discovery.ClientFactory.Picking;

/// <summary>Each instance in turn.</summary>
internal sealed class RoundRobinPicker(IReadOnlyList<Endpoint> endpoints, RoundRobinCursor cursor) : EndpointPicker
{
    private readonly Endpoint[] _endpoints = [.. endpoints];

    public override Endpoint Pick(string? hashKey, long now) => _endpoints[cursor.Next(_endpoints.Length)];
}
