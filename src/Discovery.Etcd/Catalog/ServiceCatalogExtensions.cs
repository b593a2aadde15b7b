namespace Discovery.Etcd;

/// <summary>One-shot reads over <see cref="IServiceCatalog"/> and <see cref="IServiceWatch"/>.</summary>
public static class ServiceCatalogExtensions
{
    /// <summary>Waits until etcd has listed the watched service once, and returns that view.</summary>
    /// <param name="watch">The watch.</param>
    /// <param name="cancellationToken">Stops the wait (etcd may be unreachable for as long as it is down).</param>
    /// <returns>The first synced view, or the current one when it is already synced.</returns>
    public static async Task<ServiceView> WaitForSyncAsync(this IServiceWatch watch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(watch);
        if (watch.Current is { IsSynced: true } current)
        {
            return current;
        }

        var synced = new TaskCompletionSource<ServiceView>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = watch.Subscribe(view =>
        {
            if (view.IsSynced)
            {
                synced.TrySetResult(view);
            }
        });
        return await synced.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a service's instances once: watches it until etcd has listed it, then stops watching.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="service">The service name.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The view etcd listed. To follow changes, keep a <see cref="IServiceCatalog.Watch"/> instead.</returns>
    public static async Task<ServiceView> GetAsync(this IServiceCatalog catalog, string service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        using var watch = catalog.Watch(service);
        return await watch.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
    }
}
