using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Discovery.ClientFactory;
using System.Diagnostics.Metrics;
using Discovery.ClientFactory.Balancing;
using Discovery.Etcd.Watching;
using Grpc.Core;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// An in-process client of the echo service built the way an app builds it (<c>AddGrpcClient().UseEtcd()</c>), with
/// workers calling UnaryEcho back to back (5 s deadline) and counting every outcome. In-process so that the test
/// can read the client's subchannel and watcher counts and its memory.
/// </summary>
internal sealed partial class LoadClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(30);

    private readonly IHost _host;
    private readonly Echo.EchoClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, long> _byInstance = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FirstCall> _firstServed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly MeterListener _subchannelCount = new();
    private Task[] _workers = [];
    private long _subchannels;
    private long _calls;
    private long _failed;

    private LoadClient(IHost host)
    {
        _host = host;
        _client = host.Services.GetRequiredService<Echo.EchoClient>();

        // The balancers' subchannel count, read as an operator reads it: from the metric, of this host's meters only.
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        _subchannelCount.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == SubchannelMetrics.CountName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _subchannelCount.SetMeasurementEventCallback<long>((_, delta, _, _) => Interlocked.Add(ref _subchannels, delta));
        _subchannelCount.Start();
    }

    public long Calls => Interlocked.Read(ref _calls);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Subchannels the client's balancers hold open (<c>discovery.client.subchannel.count</c>).</summary>
    public long Subchannels => Interlocked.Read(ref _subchannels);

    /// <summary>etcd watchers the client runs.</summary>
    public int Watchers => _host.Services.GetRequiredService<ServiceWatcherProvider>().ActiveWatchers;

    /// <param name="log">Where the client logs (see <see cref="ClientLog"/>); nowhere when null.</param>
    /// <param name="picker">The client's <c>Picker</c>; its default (<c>round_robin</c>) when null.</param>
    /// <param name="settings">More configuration (etcd credentials, TLS), applied last (after the auth mode's client credentials, see <see cref="ScenarioAuth"/>).</param>
    public static async Task<LoadClient> StartAsync(
        IReadOnlyList<string> etcdUrls, string service, bool retryUnavailable = false, ClientLog? log = null, string? picker = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (log is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(log);
        }

        var configuration = new Dictionary<string, string?>
        {
            ["Discovery:Clients:EchoClient:Service"] = service,
            ["Discovery:Clients:EchoClient:Retry:Unavailable"] = retryUnavailable ? "true" : "false",
        };
        if (picker is not null)
        {
            configuration["Discovery:Clients:EchoClient:Picker"] = picker;
        }

        for (var i = 0; i < etcdUrls.Count; i++)
        {
            configuration[$"Discovery:Etcd:Endpoints:{i}"] = etcdUrls[i];
        }

        foreach (var (key, value) in (await ScenarioAuth.ClientSettingsAsync(etcdUrls, service)).Concat(settings ?? new Dictionary<string, string?>()))
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
        var host = builder.Build();
        await host.StartAsync();
        return new LoadClient(host);
    }

    /// <summary>Starts <paramref name="concurrency"/> workers calling until <see cref="StopAsync"/>.</summary>
    public void StartLoad(int concurrency = 8) =>
        _workers = [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => WorkAsync(_stop.Token)))];

    /// <summary>Calls served by <paramref name="instanceId"/> so far.</summary>
    public long CallsTo(string instanceId) => _byInstance.GetValueOrDefault(instanceId);

    /// <summary>The first call <paramref name="instanceId"/> answered, or null.</summary>
    public FirstCall? FirstServed(string instanceId) => _firstServed.TryGetValue(instanceId, out var call) ? call : null;

    /// <summary>Waits until each of <paramref name="instanceIds"/> served a call, in turn, each within <paramref name="timeout"/>.</summary>
    public async Task WaitServedByEachAsync(IEnumerable<string> instanceIds, TimeSpan timeout)
    {
        foreach (var id in instanceIds)
        {
            await WaitServedByAsync(id, timeout);
        }
    }

    /// <summary>Waits until <paramref name="instanceId"/> served a call made from now on.</summary>
    public async Task WaitServedByAsync(string instanceId, TimeSpan timeout)
    {
        var before = CallsTo(instanceId);
        await Discovery.Testing.Eventually.UntilAsync(() => CallsTo(instanceId) > before, timeout, $"a call served by {instanceId}");
    }

    /// <summary>One call, outside the load.</summary>
    public async Task<string> CallOnceAsync(CallOptions options)
    {
        var reply = await _client.UnaryEchoAsync(new EchoRequest { Message = "once" }, options);
        return reply.Message;
    }

    public async Task<LoadSummary> StopAsync()
    {
        await _stop.CancelAsync();
        // Each call has a 5 s deadline: a worker still running long after is stuck, which must fail the test, not hang it.
        await Task.WhenAll(_workers).WaitAsync(StopLimit);
        return new LoadSummary(Calls, Failed, new Dictionary<string, long>(_byInstance), new Dictionary<string, long>(_errors));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await Task.WhenAll(_workers).WaitAsync(StopLimit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _host.StopAsync();
        _host.Dispose();
        _subchannelCount.Dispose();
        _stop.Dispose();
    }

    private async Task WorkAsync(CancellationToken stop)
    {
        var n = 0L;
        while (!stop.IsCancellationRequested)
        {
            var sentAt = Stopwatch.GetTimestamp();
            try
            {
                var reply = await _client.UnaryEchoAsync(
                    new EchoRequest { Message = $"call {++n}" }, new CallOptions(deadline: DateTime.UtcNow + Deadline));
                var match = FromInstance().Match(reply.Message);
                var instance = match.Success ? match.Groups[1].Value : "unknown";
                _firstServed.TryAdd(instance, new FirstCall(sentAt, Stopwatch.GetTimestamp()));
                _byInstance.AddOrUpdate(instance, 1, (_, c) => c + 1);
            }
            catch (RpcException e)
            {
                Interlocked.Increment(ref _failed);
                var detail = e.Status.Detail.Length > 160 ? e.Status.Detail[..160] : e.Status.Detail;
                _errors.AddOrUpdate($"{e.StatusCode}: {detail}", 1, (_, c) => c + 1);
            }

            Interlocked.Increment(ref _calls);
        }
    }

    [GeneratedRegex(@"\(from (.+)\)$")]
    private static partial Regex FromInstance();
}

/// <summary>The first call an instance answered: when it was made and when its reply came (<see cref="Stopwatch"/> timestamps).</summary>
internal readonly record struct FirstCall(long SentAt, long RepliedAt);

/// <summary>What a load run saw.</summary>
internal sealed record LoadSummary(long Calls, long Failed, IReadOnlyDictionary<string, long> ByInstance, IReadOnlyDictionary<string, long> Errors)
{
    public override string ToString() =>
        $"calls={Calls} failed={Failed} byInstance=[{string.Join(", ", ByInstance.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"))}] errors=[{string.Join(" | ", Errors.Select(p => $"{p.Value}x {p.Key}"))}]";
}
