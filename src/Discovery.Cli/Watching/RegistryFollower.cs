using Discovery.Cli.Connection;
using Discovery.Cli.Output;
using Discovery.Cli.Registry;
using Discovery.Etcd;

namespace Discovery.Cli.Watching;

/// <summary>
/// Follows one service for <c>watch</c>: the library's watch of it (as clients see it), re-joined with leases and
/// status records on every change and every second. While etcd does not answer it keeps the last rows, marked stale
/// with the view's age.
/// </summary>
internal sealed class RegistryFollower(RegistryConnection connection, string service) : IDisposable
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromSeconds(1);
    private readonly RegistryReader _reader = new(connection);
    private readonly IServiceWatch _watch = connection.Catalog.Watch(service);
    private readonly SemaphoreSlim _changed = new(0);
    private IDisposable? _subscription;
    private IReadOnlyList<InstanceDocument> _lastRows = [];

    /// <summary>Waits for etcd's first listing (exit code 3 when it does not come).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _reader.WaitForViewAsync(_watch, cancellationToken).ConfigureAwait(false);
        _subscription = _watch.Subscribe(_ => _changed.Release());
    }

    /// <summary>Reads the service now; never throws for etcd's failures, it reports them as a stale document.</summary>
    public async Task<InstanceListDocument> ReadAsync(CancellationToken cancellationToken)
    {
        var view = _watch.Current;
        string? problem = view.IsEtcdReachable ? null : view.Problem ?? "the watch is interrupted";
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(connection.RequestTimeout);
            var rows = await _reader.JoinAsync(view, limit.Token).ConfigureAwait(false);
            _lastRows = [.. rows.Select(InstanceDocument.From)];
        }
        catch (CliException ex)
        {
            problem ??= ex.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            problem ??= $"etcd did not answer within {connection.RequestTimeout.TotalSeconds:0} s";
        }

        if (problem is null)
        {
            return new InstanceListDocument(service, _lastRows, Stale: false, AgeSeconds: 0, Problem: null);
        }

        var age = view.AgeAt(DateTimeOffset.UtcNow);
        return new InstanceListDocument(
            service, _lastRows, Stale: true, AgeSeconds: age == TimeSpan.MaxValue ? null : Math.Round(age.TotalSeconds, 1), Problem: problem);
    }

    /// <summary>Waits for the next change of the view, or the refresh interval (leases, status records, the age).</summary>
    public async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        await _changed.WaitAsync(s_refresh, cancellationToken).ConfigureAwait(false);

        // Several changes at once make one redraw.
        while (_changed.CurrentCount > 0)
        {
            await _changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _watch.Dispose();
        _changed.Dispose();
    }
}
