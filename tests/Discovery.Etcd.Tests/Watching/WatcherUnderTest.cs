using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Diagnostics;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>
/// A started <see cref="PrefixWatcher"/> on its own connection, meter and logs, which records every view it emits
/// and counts the views that miss an address the test said must never go missing.
/// </summary>
internal sealed class WatcherUnderTest : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counters = new();
    private readonly ConcurrentQueue<ServiceView> _views = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private IReadOnlySet<string> _mustStay = new HashSet<string>();
    private IDisposable? _subscription;

    private WatcherUnderTest(EtcdOptions options, string service, ITestOutputHelper output, WatchTimings? timings)
    {
        Logs = new CapturingLoggerProvider(LogLevel.Debug, output);
        _services = new ServiceCollection().AddMetrics().AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug).AddFilter("Grpc", LogLevel.Warning)).BuildServiceProvider();
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        var loggerFactory = _services.GetRequiredService<ILoggerFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == DiscoveryMeter.ServiceAttribute && (string?)tag.Value == service)
                {
                    _counters.AddOrUpdate(instrument.Name, value, (_, old) => old + value);
                }
            }
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _counters[instrument.Name] = (long)(value * 1000));
        _listener.Start();

        Connection = new EtcdConnection(options, loggerFactory);
        Watcher = new PrefixWatcher(Connection, service, new WatchMetrics(meterFactory, TimeProvider.System), loggerFactory, TimeProvider.System, timings);
        Watcher.Start();
    }

    public PrefixWatcher Watcher { get; }

    /// <summary>The meter factory the watcher's instruments are on, for <c>MetricCollector</c>s.</summary>
    public IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    public EtcdConnection Connection { get; }

    public CapturingLoggerProvider Logs { get; }

    /// <summary>Every view delivered to the test's subscriber since <see cref="Record"/>.</summary>
    public IReadOnlyCollection<ServiceView> Views => _views;

    /// <summary>Descriptions of the emitted views that missed an address of <see cref="Record"/>'s set.</summary>
    public IReadOnlyCollection<string> Violations => _violations;

    public static WatcherUnderTest Start(
        string endpoints,
        string service,
        ITestOutputHelper output,
        TimeSpan? gracePeriod = null,
        string? keyPrefix = null,
        WatchTimings? timings = null,
        Action<EtcdOptions>? configure = null)
    {
        var options = new EtcdOptions
        {
            Endpoints = [.. endpoints.Split(',')],
            KeyPrefix = keyPrefix ?? $"t{Guid.NewGuid():N}"[..9] + "/",
            DataLossGracePeriod = gracePeriod ?? TimeSpan.FromSeconds(15),
        };
        configure?.Invoke(options);
        return new WatcherUnderTest(options, service, output, timings);
    }

    /// <summary>A second connection to etcd with the watcher's options (key prefix, credentials), for writing and reading.</summary>
    public EtcdConnection ConnectTo(string endpoints)
    {
        var options = Connection.Options;
        return new(new EtcdOptions
        {
            Endpoints = [.. endpoints.Split(',')],
            KeyPrefix = options.KeyPrefix,
            Username = options.Username,
            Password = options.Password,
            Tls = options.Tls,
        });
    }

    /// <summary>The sum of a counter's measurements for this watcher's service.</summary>
    public long Counter(string name) => _counters.GetValueOrDefault(name);

    /// <summary>Reads the observable gauges (view age) now; returns the age in seconds.</summary>
    public double ObserveViewAgeSeconds()
    {
        _counters.TryRemove(WatchMetrics.ViewAgeName, out _);
        _listener.RecordObservableInstruments();
        return _counters.TryGetValue(WatchMetrics.ViewAgeName, out var ms) ? ms / 1000.0 : double.NaN;
    }

    public Task WaitSyncedAsync(Func<ServiceView, bool>? until = null, double seconds = 10) => Eventually.UntilAsync(
        () => Watcher.Current.IsSynced && (until?.Invoke(Watcher.Current) ?? true),
        TimeSpan.FromSeconds(seconds),
        "watcher synced");

    /// <summary>Subscribes (again), recording every view and flagging those missing any of <paramref name="mustStay"/>.</summary>
    public void Record(IEnumerable<string> mustStay)
    {
        _mustStay = mustStay.ToHashSet();
        _subscription?.Dispose();
        _subscription = Watcher.Subscribe(view =>
        {
            _views.Enqueue(view);
            var addresses = view.Instances.Select(e => e.Address).ToHashSet();
            var missing = _mustStay.Where(a => !addresses.Contains(a)).ToList();
            if (missing.Count > 0)
            {
                _violations.Enqueue($"revision {view.Revision} ({view.Problem ?? "healthy"}) missed {string.Join(", ", missing)}");
            }
        });
    }

    /// <summary>Waits until the view equals a direct range read through <paramref name="reader"/>.</summary>
    public async Task ConvergesAsync(EtcdConnection reader, TimeSpan within, string situation)
    {
        try
        {
            await Eventually.UntilAsync(() => EtcdContents.ViewEqualsEtcdAsync(reader, Watcher, Connection.Options.MaxRecordBytes), within, $"view equals etcd {situation}");
        }
        catch (EventuallyTimeoutException ex)
        {
            var etcd = await EtcdContents.ReadAsync(reader, Watcher.Service, Connection.Options.MaxRecordBytes);
            throw new EventuallyTimeoutException(ex.Message + ": " + EtcdContents.Describe(EtcdContents.Of(Watcher.Current), etcd), ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        await Watcher.DisposeAsync();
        Connection.Dispose();
        _listener.Dispose();
        await _services.DisposeAsync();
    }
}
