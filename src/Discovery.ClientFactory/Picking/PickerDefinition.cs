using Discovery.ClientFactory.LoadTracking;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// A picker known by name: a built-in algorithm over <see cref="Endpoint"/>s, or a user's factory over grpc-dotnet
/// subchannels added with <c>AddDiscoveryPicker</c>. Either way it sees only instances that passed the filters.
/// </summary>
internal sealed class PickerDefinition
{
    private PickerDefinition(
        string name,
        bool tracksLoad,
        bool timesCalls,
        Func<IReadOnlyList<Endpoint>, PickerServices, EndpointPicker>? builtIn,
        Func<IReadOnlyList<Subchannel>, SubchannelPicker>? custom)
    {
        Name = name;
        TracksLoad = tracksLoad;
        TimesCalls = timesCalls;
        BuiltIn = builtIn;
        Custom = custom;
    }

    public string Name { get; }

    /// <summary>True when the picker reads in-flight counts, latency or success: calls are then tracked.</summary>
    public bool TracksLoad { get; }

    /// <summary>
    /// True when the picker also reads latency and success, so its calls are sampled for timing (see
    /// <see cref="EndpointLoad"/>). Pickers that only count calls in flight leave it false and never read the clock.
    /// </summary>
    public bool TimesCalls { get; }

    public Func<IReadOnlyList<Endpoint>, PickerServices, EndpointPicker>? BuiltIn { get; }

    public Func<IReadOnlyList<Subchannel>, SubchannelPicker>? Custom { get; }

    public static PickerDefinition ForBuiltIn(string name, Func<IReadOnlyList<Endpoint>, PickerServices, EndpointPicker> create) =>
        new(name, tracksLoad: false, timesCalls: false, create, null);

    /// <summary>A built-in picker that reads in-flight counts and, when <paramref name="timesCalls"/>, latency and success.</summary>
    public static PickerDefinition ForLoadTracking(
        string name, bool timesCalls, Func<IReadOnlyList<Endpoint>, PickerServices, EndpointPicker> create) =>
        new(name, tracksLoad: true, timesCalls, create, null);

    public static PickerDefinition ForCustom(string name, Func<IReadOnlyList<Subchannel>, SubchannelPicker> create) =>
        new(name, tracksLoad: false, timesCalls: false, null, create);
}
