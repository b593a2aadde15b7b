namespace Discovery.ClientFactory.Picking;

/// <summary>A uniformly random instance.</summary>
internal sealed class RandomPicker(IReadOnlyList<Endpoint> endpoints, IRandomSource random) : EndpointPicker
{
    private readonly Endpoint[] _endpoints = [.. endpoints];

    public override Endpoint Pick(string? hashKey, long now) => _endpoints[random.Next(_endpoints.Length)];
}
