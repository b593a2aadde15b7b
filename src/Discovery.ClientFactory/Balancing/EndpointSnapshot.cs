using Discovery.ClientFactory.Picking;
using Grpc.Core;

namespace Discovery.ClientFactory.Balancing;

/// <summary>One instance and its connection state at the moment a picker is built.</summary>
/// <param name="Endpoint">The instance.</param>
/// <param name="State">Its subchannel's state.</param>
/// <param name="Attempted">True once its first connection attempt ended (ready or failed).</param>
/// <param name="LastError">Why its last connection attempt failed, when it did.</param>
/// <param name="Ejected">True while outlier ejection keeps it out after a transport failure.</param>
/// <param name="InSubset">True when the client keeps it connected: always, unless subsetting is on.</param>
internal readonly record struct EndpointSnapshot(
    Endpoint Endpoint, ConnectivityState State, bool Attempted, string? LastError, bool Ejected = false, bool InSubset = true)
{
    public bool IsReady => State == ConnectivityState.Ready;

    /// <summary>Ready and not ejected: a full candidate.</summary>
    public bool IsServing => IsReady && !Ejected;

    /// <summary>Not ready yet but expected to be soon: a call that needs this instance should wait, not fail.</summary>
    public bool IsConnecting => State is ConnectivityState.Connecting or ConnectivityState.Idle;
}
