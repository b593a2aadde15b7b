using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Discovery.Etcd;

namespace Discovery.Testing;

/// <summary>
/// The attribute keys Discovery's instruments and spans may carry: a bounded set, each with a bounded set of values
/// (service names are few and chosen by the operator). No instance id or address, and never a credential.
/// </summary>
public static partial class TelemetryAttributes
{
    public const string Service = "discovery.service";

    /// <summary>Every key an instrument may carry.</summary>
    public static readonly IReadOnlySet<string> InstrumentKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        Service,
        "discovery.watch.resync.reason",
        "discovery.registration.state",
        "discovery.registration.reason",
        "discovery.client.retry.reason",
    };

    /// <summary>Every key a span may carry: the instruments', the attempts a registration took, and what started a drain.</summary>
    public static readonly IReadOnlySet<string> SpanKeys = new HashSet<string>(InstrumentKeys, StringComparer.Ordinal)
    {
        "discovery.registration.attempts",
        "discovery.registration.drain.trigger", // stop or control
    };

    /// <summary>True when <paramref name="value"/> looks like a network address (host:port, IPv4, or a URL).</summary>
    public static bool LooksLikeAddress(string value) => AddressPattern().IsMatch(value);

    [GeneratedRegex(@"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})|(:\d{2,5}\b)|(://)")]
    private static partial Regex AddressPattern();
}

/// <summary>Every measurement's attributes on Discovery's meter of one meter factory (one host), for the bound checks.</summary>
public sealed class MeasurementTagRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Key, string Value), byte> _tags = new();

    public MeasurementTagRecorder(object meterScope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == DiscoveryTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, meterScope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        _listener.SetMeasurementEventCallback<int>((i, _, tags, _) => Record(i, tags));
        _listener.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        _listener.Start();
    }

    /// <summary>(instrument, key, value) of every attribute seen so far.</summary>
    public IReadOnlyCollection<(string Instrument, string Key, string Value)> Tags => [.. _tags.Keys];

    /// <summary>The instruments that had a measurement so far.</summary>
    public IReadOnlySet<string> Instruments => _tags.Keys.Select(t => t.Instrument).ToHashSet(StringComparer.Ordinal);

    /// <summary>Collects the observable instruments (gauges) once.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            _tags.TryAdd((instrument.Name, tag.Key, Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty), 0);
        }
    }
}
