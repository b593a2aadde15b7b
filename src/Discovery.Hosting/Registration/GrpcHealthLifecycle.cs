using Grpc.AspNetCore.HealthChecks;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Ties the gRPC health service (Grpc.AspNetCore.HealthChecks, when the application added it) to the graceful stop:
/// records deleted, then every mapped service NOT_SERVING, then the drain delay, then open <c>Watch</c> calls complete
/// so Kestrel's drain does not wait on them.
/// </summary>
/// <remarks>
/// By default that package ends every <c>Watch</c> with NOT_SERVING when <c>ApplicationStopping</c> fires, and on
/// SIGTERM the console lifetime fires it before the host calls our <c>StoppingAsync</c>: watchers would hear
/// NOT_SERVING while the records are still in etcd. <c>AddEtcdRegistration</c> therefore sets its
/// <see cref="GrpcHealthChecksOptions.SuppressCompletionOnShutdown"/>, and this class takes over both halves:
/// <see cref="SetNotServing"/> after the revoke, and <see cref="CompleteWatches"/> (through
/// <see cref="HealthWatchInterceptor"/>) once the drain delay is over, on every stop path.
/// </remarks>
internal sealed partial class GrpcHealthLifecycle : IDisposable
{
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _watchesEnd = new();

    public GrpcHealthLifecycle(IServiceProvider services, ILogger<GrpcHealthLifecycle> logger)
    {
        _services = services;
        _logger = logger;
    }

    /// <summary>Cancelled when open <c>Watch</c> calls should complete.</summary>
    public CancellationToken WatchesEnd => _watchesEnd.Token;

    /// <summary>Sets every service the gRPC health service maps to NOT_SERVING; nothing when it is not added.</summary>
    public void SetNotServing()
    {
        if (_services.GetService<HealthServiceImpl>() is not { } health)
        {
            return;
        }

        var names = _services.GetRequiredService<IOptions<GrpcHealthChecksOptions>>().Value.Services.Select(s => s.Name).ToArray();
        foreach (var name in names)
        {
            health.SetStatus(name, HealthCheckResponse.Types.ServingStatus.NotServing);
        }

        Log.NotServing(_logger, names.Length, string.Join(", ", names.Select(n => n.Length == 0 ? "\"\"" : n)));
    }

    /// <summary>Completes open <c>Watch</c> calls (and any started later).</summary>
    public void CompleteWatches()
    {
        try
        {
            _watchesEnd.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Stopped already.
        }
    }

    public void Dispose()
    {
        CompleteWatches();
        _watchesEnd.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "gRPC health service: {Count} service(s) set NOT_SERVING after deregistering ({Services})")]
        public static partial void NotServing(ILogger logger, int count, string services);
    }
}
