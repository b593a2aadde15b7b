namespace Discovery.ClientFactory.Picking;

/// <summary>Places a call by its hash key on a ring keyed on instance ids; a call without a key goes to a random instance.</summary>
internal sealed class ConsistentHashPicker(IReadOnlyList<Endpoint> endpoints, IRandomSource random) : EndpointPicker
{
    private readonly Endpoint[] _endpoints = [.. endpoints];
    private readonly ConsistentHashRing<Endpoint> _ring = new(endpoints, e => e.Id);

    public override Endpoint Pick(string? hashKey, long now) =>
        hashKey is null ? _endpoints[random.Next(_endpoints.Length)] : _ring.Lookup(hashKey);
}
