namespace Discovery.Etcd;

/// <summary>
/// Reads which instances each service has in etcd, and tells when that changes: the same robust watch the gRPC
/// resolver of <c>UseEtcd()</c> uses. Registered by <c>AddDiscoveryEtcd()</c>.
/// </summary>
/// <remarks>
/// The process keeps one etcd watch per service however many readers (resolvers, registrations, application code)
/// watch it; the watch stops when the last of them is disposed.
/// </remarks>
/// <example>
/// <code>
/// using var watch = catalog.Watch("echo");
/// using var subscription = watch.Subscribe(view =&gt; logger.LogInformation("echo now has {Count}", view.Instances.Count));
/// </code>
/// </example>
public interface IServiceCatalog
{
    /// <summary>Starts watching <paramref name="service"/>, or joins the process's watch of it.</summary>
    /// <param name="service">The service name, as registered (without the key prefix).</param>
    /// <returns>The watch; dispose it to stop reading.</returns>
    /// <exception cref="ArgumentException"><paramref name="service"/> is not a valid service name.</exception>
    IServiceWatch Watch(string service);
}

/// <summary>One reader's handle on the process's watch of a service.</summary>
public interface IServiceWatch : IDisposable
{
    /// <summary>The service name.</summary>
    string Service { get; }

    /// <summary>The current view; <see cref="ServiceView.IsSynced"/> is false until etcd has answered once.</summary>
    ServiceView Current { get; }

    /// <summary>
    /// Calls <paramref name="listener"/> with every view whose instances, sync state or problem changed, off etcd's
    /// receive loop and one call at a time; first, at once, with the current view when it is synced. A listener that
    /// throws is logged and does not hurt the others.
    /// </summary>
    /// <param name="listener">The callback.</param>
    /// <returns>Dispose it to stop the calls.</returns>
    IDisposable Subscribe(Action<ServiceView> listener);
}
