using System.Globalization;
using System.Text.Json;
using Discovery.Hosting.Control;

namespace Discovery.Cli.Registry;

/// <summary>Reads the status record an instance writes under its lease (<see cref="StatusRecord"/>).</summary>
internal static class StatusRecordReader
{
    public static bool TryRead(ReadOnlySpan<byte> value, out StatusRecord status)
    {
        status = default;
        try
        {
            var reader = new Utf8JsonReader(value);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("state", out var state) || state.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            var weight = root.TryGetProperty("weight", out var w) && w.TryGetInt32(out var wv) ? wv : 0;
            var inFlight = root.TryGetProperty("inFlight", out var f) && f.TryGetInt32(out var fv) ? fv : 0;
            DateTimeOffset? drainedAt = root.TryGetProperty("drainedAt", out var d) && d.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(d.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : null;
            status = new StatusRecord(state.GetString()!, weight, inFlight, drainedAt);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
