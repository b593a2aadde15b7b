using Discovery.ClientFactory.LoadTracking;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// A picking algorithm over a fixed, non-empty list of ready instances (already filtered by version, zone and
/// health). Built anew whenever that list changes; must be safe for concurrent picks.
/// </summary>
internal abstract class EndpointPicker
{
    /// <summary>Chooses an instance for a call.</summary>
    /// <param name="hashKey">The call's hash key, or null.</param>
    /// <param name="now">
    /// A <see cref="CoarseClock"/> millisecond read once per pick for the pickers that time calls (0 for the others,
    /// least_request included), shared with the call's tracking so a pick reads the clock once.
    /// </param>
    public abstract Endpoint Pick(string? hashKey, long now);
}
