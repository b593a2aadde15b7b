namespace Discovery.ClientFactory.Picking;

/// <summary>
/// A picking algorithm over a fixed, non-empty list of ready instances (already filtered by version, zone and
/// health). Built anew whenever that list changes; must be safe for concurrent picks.
/// </summary>
internal abstract class EndpointPicker
{
    /// <summary>Chooses an instance for a call; <paramref name="hashKey"/> is the call's hash key, or null.</summary>
    public abstract Endpoint Pick(string? hashKey);
}
