namespace Discovery.Hosting;

/// <summary>What an instance's control record asks, as <see cref="IEtcdRegistration.State"/> reports it.</summary>
public enum RegistrationControlState
{
    /// <summary>Registered (unless the health gate withdraws it): no control record, or <c>"state":"active"</c>.</summary>
    Active,

    /// <summary>Records out of etcd, lease kept, calls in flight served: <c>"state":"paused"</c>.</summary>
    Paused,

    /// <summary>Paused with gRPC calls still in flight: <c>"state":"draining"</c>.</summary>
    Draining,

    /// <summary>Draining, and the in-flight gRPC calls reached zero.</summary>
    Drained,
}
