using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace EchoClient;

/// <summary>Counts of one run: calls, failures by status, successes by instance, latency of successes.</summary>
internal sealed class RunStatistics(Timeline? timeline = null)
{
    private readonly ConcurrentDictionary<string, long> _byInstance = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _firstErrors = new(StringComparer.Ordinal);
    private readonly LatencyHistogram _latency = new();
    private long _calls;
    private long _failed;

    public long Calls => Interlocked.Read(ref _calls);

    public void Succeeded(string instance, TimeSpan latency)
    {
        _byInstance.AddOrUpdate(instance, 1, (_, n) => n + 1);
        _latency.Record(latency);
        timeline?.Record(instance);
        Interlocked.Increment(ref _calls);
    }

    /// <summary>Counts a failure; true the first time this status is seen (so the caller logs its message once).</summary>
    public bool Failed(string status, string message)
    {
        _errors.AddOrUpdate(status, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _failed);
        Interlocked.Increment(ref _calls);
        return _firstErrors.TryAdd(status, message);
    }

    public string ProgressLine(TimeSpan elapsed) =>
        $"progress t={elapsed.TotalSeconds:F0}s calls={Calls} failed={Interlocked.Read(ref _failed)} byInstance={string.Join(',', _byInstance.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"))}";

    public string SummaryJson(TimeSpan elapsed)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("calls", Calls);
            json.WriteNumber("failed", Interlocked.Read(ref _failed));
            WriteCounts(json, "byInstance", _byInstance);
            WriteCounts(json, "errors", _errors);
            json.WriteNumber("p50Ms", _latency.Percentile(0.50));
            json.WriteNumber("p99Ms", _latency.Percentile(0.99));
            json.WriteNumber("elapsedMs", Math.Round(elapsed.TotalMilliseconds));
            json.WriteStartObject("errorMessages");
            foreach (var (status, message) in _firstErrors.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteString(status, message);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteCounts(Utf8JsonWriter json, string name, ConcurrentDictionary<string, long> counts)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(key, value);
        }

        json.WriteEndObject();
    }
}
