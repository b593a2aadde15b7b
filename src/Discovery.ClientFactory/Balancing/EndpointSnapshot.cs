using Discovery.ClientFactory.Picking;
using Grpc.Core;

namespace Discovery.ClientFactory.Balancing;

/// <summary>One instance and its connection state at the moment a picker is built.</summary>
/// <param name="Endpoint">The instance.</param>
/// <param name="State">Its subchannel's state.</param>
/// <param name="Attempted">True once its first connection attempt ended (ready or failed).</param>
/// <param name="LastError">Why its last connection attempt failed, when it did.</param>
internal readonly record struct EndpointSnapshot(Endpoint Endpoint, ConnectivityState State, bool Attempted, string? LastError)
{
    public bool IsReady => State == ConnectivityState.Ready;

    /// <summary>Not ready yet but expected to be soon: a call that needs this instance should wait, not fail.</summary>
    public bool IsConnecting => State is ConnectivityState.Connecting or ConnectivityState.Idle;
}
