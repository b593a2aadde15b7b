using System.Collections.Concurrent;
using System.Globalization;

namespace EchoClient;

/// <summary>
/// Successful calls per instance per second of wall-clock time, written as CSV (<c>unixSeconds,instance,calls</c>) for
/// the demo's chart. Wall-clock seconds, not seconds since start, so the demo can place its own events on the same axis.
/// </summary>
internal sealed class Timeline(TimeProvider time)
{
    private readonly ConcurrentDictionary<(long Second, string Instance), long> _calls = new();

    public void Record(string instance) =>
        _calls.AddOrUpdate((time.GetUtcNow().ToUnixTimeSeconds(), instance), 1, static (_, n) => n + 1);

    public async Task WriteCsvAsync(string path, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(path);
        await writer.WriteLineAsync("unixSeconds,instance,calls").ConfigureAwait(false);
        foreach (var ((second, instance), calls) in _calls.OrderBy(p => p.Key.Second).ThenBy(p => p.Key.Instance, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{second},{instance},{calls}")).ConfigureAwait(false);
        }
    }
}
