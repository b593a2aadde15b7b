namespace Discovery.Etcd.Watching;

/// <summary>
/// A live, consistent view of one service's records in etcd (the keys <c>{prefix}{service}/{name}</c>), kept equal
/// to etcd's contents through etcd incidents. An outage never empties it: it keeps its last known contents.
/// </summary>
internal interface IServiceWatcher
{
    /// <summary>The service name (without the key prefix).</summary>
    string Service { get; }

    /// <summary>The current view; <see cref="ServiceView.IsSynced"/> is false until etcd answered once.</summary>
    ServiceView Current { get; }

    /// <summary>
    /// Calls <paramref name="listener"/> with every new view, off etcd's receive loop, and at once with the current
    /// view when it is synced. A listener that throws does not hurt the others. Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(Action<ServiceView> listener);
}
