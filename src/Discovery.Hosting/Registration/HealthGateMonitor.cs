using Discovery.Hosting.Leasing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Runs the application's health checks carrying the gate's tag through <see cref="HealthCheckService"/> every
/// period, feeds each report to the <see cref="HealthGate"/>, and withdraws or restores the lease keeper's records
/// when the gate moves.
/// </summary>
/// <remarks>
/// <see cref="HealthCheckService.CheckHealthAsync(Func{HealthCheckRegistration, bool}, CancellationToken)"/> with a
/// tag predicate rather than an <see cref="IHealthCheckPublisher"/>: a publisher cannot be registered for only the
/// applications that turn the gate on (configuration is read after the services are built), and any registered
/// publisher makes ASP.NET Core run every health check of the application on the publisher's global schedule, also
/// when the gate is off. Here only the tagged checks run, only when the gate is on, on the gate's own period, and the
/// health check machinery (per-check timeouts, failure statuses, exceptions as Unhealthy) is ASP.NET Core's.
/// </remarks>
internal sealed partial class HealthGateMonitor : IAsyncDisposable
{
    private readonly HealthCheckService _checks;
    private readonly RegistrationHealthGateOptions _options;
    private readonly IReadOnlySet<string> _ownChecks;
    private readonly LeaseKeeper _keeper;
    private readonly string _service;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HealthGate _gate;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private Task? _loop;
    private string _failing = "";

    public HealthGateMonitor(
        HealthCheckService checks,
        RegistrationHealthGateOptions options,
        IReadOnlySet<string> ownChecks,
        LeaseKeeper keeper,
        string service,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _checks = checks;
        _options = options;
        _ownChecks = ownChecks;
        _keeper = keeper;
        _service = service;
        _time = timeProvider;
        _logger = logger;
        _gate = new HealthGate(options.UnhealthyThreshold, options.HealthyThreshold);

        // Closed until the first passing report: the keeper then grants and keeps its lease but writes no record.
        _keeper.Withdraw(WithdrawalReasons.HealthGate);
    }

    /// <summary>The gate's phase, its streak, and the checks that failed the last report (empty when it passed).</summary>
    public (HealthGatePhase Phase, int Streak, string Failing) State
    {
        get
        {
            lock (_lock)
            {
                return (_gate.Phase, _gate.Streak, _failing);
            }
        }
    }

    /// <summary>The tag of the checks that decide.</summary>
    public string Tag => _options.Tag;

    public void Start()
    {
        Log.Waiting(_logger, _service, _options.Tag);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }

    /// <summary>Counts one report and moves the keeper when the gate moves (internal for tests).</summary>
    internal void Observe(HealthReport report)
    {
        var failing = string.Join(", ", report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key));
        var passing = failing.Length == 0;
        lock (_lock)
        {
            _failing = failing;
            if (!_gate.Report(passing))
            {
                if (!passing)
                {
                    Log.ReportFailed(_logger, _service, _options.Tag, failing, _gate.Phase.ToString(), _gate.Streak);
                }

                return;
            }

            // Under the lock, so two reports cannot apply their moves in the wrong order; both calls only set a flag.
            if (_gate.IsOpen)
            {
                Log.Opened(_logger, _service, _options.Tag);
                _keeper.Restore(WithdrawalReasons.HealthGate);
            }
            else
            {
                Log.Closed(_logger, _service, _options.Tag, _options.UnhealthyThreshold, failing);
                _keeper.Withdraw(WithdrawalReasons.HealthGate);
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // HealthCheckService reports a throwing or timed-out check as Unhealthy; it throws only when cancelled.
                var report = await _checks.CheckHealthAsync(
                    r => r.Tags.Contains(_options.Tag) && !_ownChecks.Contains(r.Name),
                    cancellationToken).ConfigureAwait(false);
                Observe(report);
                await Task.Delay(_options.Period, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.RunFailed(_logger, _service, ex);
                try
                {
                    await Task.Delay(_options.Period, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Information, "Health gate of {Service}: waiting for the health checks tagged '{Tag}' to pass before registering")]
        public static partial void Waiting(ILogger logger, string service, string tag);

        [LoggerMessage(31, LogLevel.Information, "Health gate of {Service} open: the health checks tagged '{Tag}' pass; the records go to etcd")]
        public static partial void Opened(ILogger logger, string service, string tag);

        [LoggerMessage(32, LogLevel.Warning, "Health gate of {Service} closed: the health checks tagged '{Tag}' failed {Count} report(s) in a row ({Failing}); withdrawing the records, keeping the lease")]
        public static partial void Closed(ILogger logger, string service, string tag, int count, string failing);

        [LoggerMessage(33, LogLevel.Debug, "Health gate of {Service}: checks tagged '{Tag}' failing ({Failing}); gate {Phase}, streak {Streak}")]
        public static partial void ReportFailed(ILogger logger, string service, string tag, string failing, string phase, int streak);

        [LoggerMessage(34, LogLevel.Error, "Health gate of {Service}: running the health checks failed unexpectedly; trying again next period")]
        public static partial void RunFailed(ILogger logger, string service, Exception exception);
    }
}
