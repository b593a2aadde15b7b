namespace Discovery.Hosting;

/// <summary>
/// The running registration's pause, resume, drain and weight, from inside the process. Each call writes the
/// instance's control record in etcd (<c>{KeyPrefix}_discovery/control/{service}/{instanceId}</c>), the one source
/// of truth that operators also write with etcdctl, and returns once etcd confirmed the write and the instance
/// applied it. Resolve it from the container after <c>AddEtcdRegistration()</c>; its calls fail with
/// <see cref="InvalidOperationException"/> before the server started or with registration disabled.
/// </summary>
/// <example>
/// <code>
/// var registration = app.Services.GetRequiredService&lt;IEtcdRegistration&gt;();
/// await registration.SetWeightAsync(10, ct);   // a canary at a tenth of the default weight of 100
/// await registration.DrainAsync(ct);           // out of etcd; completes when no gRPC call is in flight
/// await registration.ResumeAsync(ct);          // back in etcd
/// </code>
/// </example>
public interface IEtcdRegistration
{
    /// <summary>What the control record asks and, for a drain, whether it is over.</summary>
    RegistrationControlState State { get; }

    /// <summary>The weight the instance's records carry: the control record's, or the configured one.</summary>
    int Weight { get; }

    /// <summary>The gRPC calls this server is serving now (the gRPC health service's calls are not counted).</summary>
    int InFlightCalls { get; }

    /// <summary>Takes the records out of etcd (lease kept, calls in flight served); clients stop picking the instance.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once etcd confirmed the control record.</returns>
    Task PauseAsync(CancellationToken cancellationToken = default);

    /// <summary>Puts the records back in etcd (unless the health gate holds them out), keeping the weight set.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once etcd confirmed the control record.</returns>
    Task ResumeAsync(CancellationToken cancellationToken = default);

    /// <summary>Pauses, then waits until no gRPC call is in flight; the status record then says <c>drained</c>.</summary>
    /// <param name="cancellationToken">Cancels the write or the wait (the instance stays draining).</param>
    /// <returns>A task that completes when the in-flight calls reached zero.</returns>
    Task DrainAsync(CancellationToken cancellationToken = default);

    /// <summary>Rewrites the records with <paramref name="weight"/> (read by <c>weighted_round_robin</c> and Go clients).</summary>
    /// <param name="weight">A positive weight.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once etcd confirmed the control record.</returns>
    Task SetWeightAsync(int weight, CancellationToken cancellationToken = default);
}
