using Discovery.Etcd.Connection;
using Discovery.Etcd.Diagnostics;
using Discovery.Etcd.Records;
using Discovery.Hosting.Control;
using Discovery.Hosting.Leasing;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Applies the instance's control record (pause, drain, weight) to the lease keeper, writes the status record under
/// the lease, and implements <see cref="IEtcdRegistration"/> by writing the control record. The
/// <see cref="EtcdRegistrationService"/> attaches it once the registration runs.
/// </summary>
/// <remarks>
/// The control record is the one source of truth: the in-process API writes it and applies what it wrote, and the
/// watch applies it again (a no-op). Paused and draining set <see cref="WithdrawalReasons.Paused"/>, so the health
/// gate and the control record hold the records out independently. The status record is written when what it says
/// changes, when the lease changes, and every second while draining (the in-flight count).
/// </remarks>
internal sealed partial class RegistrationControl : IEtcdRegistration, IAsyncDisposable
{
    private static readonly TimeSpan s_statusInterval = TimeSpan.FromSeconds(1);

    private readonly InFlightCalls _inFlight;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Attachment? _attached;
    private ControlRecord _applied = ControlRecord.Default;
    private long _appliedRevision;
    private int _weight;
    private DateTimeOffset? _drainedAt;
    private CancellationTokenSource? _drain;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stopping;
    private Task? _statusLoop;
    private ControlRecordWatch? _watch;

    public RegistrationControl(InFlightCalls inFlight, TimeProvider time)
    {
        _inFlight = inFlight;
        _time = time;
    }

    public RegistrationControlState State
    {
        get
        {
            lock (_gate)
            {
                return StateLocked();
            }
        }
    }

    public int Weight => Volatile.Read(ref _weight);

    public int InFlightCalls => _inFlight.Count;

    /// <summary>Raised (on the watch's loop) after the control record's first listing was applied.</summary>
    internal bool ControlRead { get; private set; }

    /// <summary>
    /// Starts applying the control record of this instance to <paramref name="keeper"/>, which must hold
    /// <see cref="WithdrawalReasons.ControlPending"/> until the record was read once.
    /// </summary>
    internal void Attach(
        EtcdConnection connection,
        ILeaseApi api,
        LeaseKeeper keeper,
        string service,
        string instanceId,
        int configuredWeight,
        Func<int, IReadOnlyList<LeaseRecord>> recordsFor,
        Action<int> weightChanged,
        LeaseKeeperMetrics metrics,
        ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger<RegistrationControl>();
        var attachment = new Attachment(
            connection, api, keeper, service, instanceId, configuredWeight, recordsFor, weightChanged, logger,
            ServiceKeys.ControlKey(connection.KeyPrefix, service, instanceId),
            ServiceKeys.StatusKey(connection.KeyPrefix, service, instanceId));
        lock (_gate)
        {
            if (_attached is not null)
            {
                throw new InvalidOperationException("The registration control was already attached.");
            }

            _attached = attachment;
            _weight = configuredWeight;
            _stopping = new CancellationTokenSource();
        }

        _watch = new ControlRecordWatch(connection, service, instanceId, OnControl, metrics, logger, _time);
        _watch.Start();
        _statusLoop = Task.Run(() => PublishStatusAsync(_stopping.Token));
    }

    public Task PauseAsync(CancellationToken cancellationToken = default) =>
        WriteAsync(current => current with { Mode = ControlMode.Paused }, cancellationToken);

    public Task ResumeAsync(CancellationToken cancellationToken = default) =>
        WriteAsync(current => current with { Mode = ControlMode.Active }, cancellationToken);

    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        await WriteAsync(current => current with { Mode = ControlMode.Draining }, cancellationToken).ConfigureAwait(false);
        await _inFlight.WaitForZeroAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task SetWeightAsync(int weight, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weight);
        return WriteAsync(current => current with { Weight = weight }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            stopping = _stopping;
            _stopping = null;
            _drain?.Cancel();
        }

        if (stopping is null)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        if (_watch is not null)
        {
            await _watch.DisposeAsync().ConfigureAwait(false);
        }

        if (_statusLoop is not null)
        {
            await _statusLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stopping.Dispose();
    }

    private async Task WriteAsync(Func<ControlRecord, ControlRecord> change, CancellationToken cancellationToken)
    {
        var attached = _attached ?? throw new InvalidOperationException(
            "The etcd registration is not running (the server has not started, or Discovery:Registration:Enabled is false).");
        ControlRecord record;
        lock (_gate)
        {
            record = change(_applied);
        }

        var written = await attached.Connection.KV.PutAsync(
            new PutRequest { Key = ByteString.CopyFromUtf8(attached.ControlKey), Value = ByteString.CopyFrom(record.Encode()) },
            attached.Connection.UnaryOptions(cancellationToken)).ConfigureAwait(false);
        OnControl(new ControlChange(record, written.Header.Revision, Listed: false, First: false));
    }

    private void OnControl(ControlChange change)
    {
        var attached = _attached!;
        var (record, first) = (change.Record, change.First);
        lock (_gate)
        {
            // The API applies its own write at once; the watch's older events arriving after it must not undo it.
            if (!change.Listed && change.Revision <= _appliedRevision)
            {
                return;
            }

            _appliedRevision = change.Revision;

            if (first && record != ControlRecord.Default)
            {
                // The record outlives the process (no lease): a restart with the same id comes back as the operator left it.
                Log.ControlAtStart(attached.Logger, attached.Service, attached.InstanceId, ControlRecord.Name(record.Mode), record.Weight ?? attached.ConfiguredWeight, attached.ControlKey);
            }

            if (!first && record == _applied)
            {
                return;
            }

            var before = _applied;
            _applied = record;
            var weight = record.Weight ?? attached.ConfiguredWeight;
            if (weight != _weight)
            {
                Volatile.Write(ref _weight, weight);
                attached.WeightChanged(weight);
                attached.Keeper.UpdateRecords(attached.RecordsFor(weight));
                Log.WeightChanged(attached.Logger, attached.Service, weight);
            }

            if (record.Mode == ControlMode.Active)
            {
                attached.Keeper.Restore(WithdrawalReasons.Paused);
            }
            else
            {
                attached.Keeper.Withdraw(WithdrawalReasons.Paused);
            }

            if (record.Mode != before.Mode || first)
            {
                if (!first)
                {
                    Log.ModeChanged(attached.Logger, attached.Service, ControlRecord.Name(record.Mode));
                }

                _drain?.Cancel();
                _drain = null;
                _drainedAt = null;
                if (record.Mode == ControlMode.Draining && _stopping is { } stopping)
                {
                    _drain = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                    _ = WatchDrainAsync(_drain.Token);
                }
            }

            if (first)
            {
                ControlRead = true;
                attached.Keeper.Restore(WithdrawalReasons.ControlPending);
            }

            _wake.TrySetResult();
        }
    }

    // Owned by the drain's token source: cancelled when the mode changes or the registration stops; never throws.
    private async Task WatchDrainAsync(CancellationToken cancellationToken)
    {
        var attached = _attached!;
        using var span = DiscoveryActivitySource.StartRoot(EtcdRegistrationService.DrainSpanName, attached.Service)
            ?.SetTag(EtcdRegistrationService.DrainTriggerAttribute, "control");
        try
        {
            await _inFlight.WaitForZeroAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            span.Fail("the drain was resumed, or the host stopped, before the calls in flight ended");
            return;
        }

        lock (_gate)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            _drainedAt = _time.GetUtcNow();
            _wake.TrySetResult();
        }

        Log.Drained(attached.Logger, attached.Service);
    }

    private RegistrationControlState StateLocked() => _applied.Mode switch
    {
        ControlMode.Paused => RegistrationControlState.Paused,
        ControlMode.Draining => _drainedAt is null ? RegistrationControlState.Draining : RegistrationControlState.Drained,
        _ => RegistrationControlState.Active,
    };

    private StatusRecord CurrentStatus()
    {
        var attached = _attached!;
        lock (_gate)
        {
            var state = StateLocked() switch
            {
                RegistrationControlState.Paused => "paused",
                RegistrationControlState.Draining => "draining",
                RegistrationControlState.Drained => "drained",
                _ => attached.Keeper.WithdrawalReasons == WithdrawalReasons.None ? "registered" : "withdrawn",
            };
            return new StatusRecord(state, _weight, _inFlight.Count, _drainedAt);
        }
    }

    // Writes the status record under the keeper's current lease whenever what it says (or the lease) changed.
    private async Task PublishStatusAsync(CancellationToken cancellationToken)
    {
        var attached = _attached!;
        long writtenLease = 0;
        StatusRecord? written = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            Task wake;
            lock (_gate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _wake.Task;
            }

            var status = CurrentStatus();
            var leaseId = attached.Keeper.Status.LeaseId;

            // The in-flight count is refreshed only while draining: under load it changes at every call.
            var compared = status.State == "draining" ? status : status with { InFlight = 0 };
            if (leaseId != 0 && ControlRead && (leaseId != writtenLease || written != compared))
            {
                try
                {
                    await attached.Api.PutAllAsync(
                        leaseId,
                        [new LeaseRecord(attached.StatusKey, status.Encode())],
                        attached.Connection.Options.RequestTimeout,
                        cancellationToken).ConfigureAwait(false);
                    writtenLease = leaseId;
                    written = compared;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The lease was lost or etcd is away: the keeper deals with both; the next round writes again.
                    Log.StatusWriteFailed(attached.Logger, attached.Service, ex.Message);
                }
            }

            try
            {
                await Task.WhenAny(wake, Task.Delay(s_statusInterval, _time, cancellationToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed record Attachment(
        EtcdConnection Connection,
        ILeaseApi Api,
        LeaseKeeper Keeper,
        string Service,
        string InstanceId,
        int ConfiguredWeight,
        Func<int, IReadOnlyList<LeaseRecord>> RecordsFor,
        Action<int> WeightChanged,
        ILogger Logger,
        string ControlKey,
        string StatusKey);

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Warning, "The control record of {Service} instance {InstanceId} ({Key}) asks state {State}, weight {Weight}: starting as the operator left it")]
        public static partial void ControlAtStart(ILogger logger, string service, string instanceId, string state, int weight, string key);

        [LoggerMessage(41, LogLevel.Information, "The control record of {Service} asks state {State}")]
        public static partial void ModeChanged(ILogger logger, string service, string state);

        [LoggerMessage(42, LogLevel.Information, "The control record of {Service} asks weight {Weight}: rewriting the records")]
        public static partial void WeightChanged(ILogger logger, string service, int weight);

        [LoggerMessage(43, LogLevel.Information, "{Service} drained: no gRPC call in flight")]
        public static partial void Drained(ILogger logger, string service);

        [LoggerMessage(44, LogLevel.Debug, "Could not write the status record of {Service}: {Reason}")]
        public static partial void StatusWriteFailed(ILogger logger, string service, string reason);
    }
}
