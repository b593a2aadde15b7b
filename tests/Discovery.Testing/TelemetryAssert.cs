using System.Diagnostics;

namespace Discovery.Testing;

/// <summary>The bound every instrument and span of Discovery keeps: known attribute keys only, no address, no secret.</summary>
public static class TelemetryAssert
{
    /// <summary>
    /// Fails when a recorded attribute key is outside <see cref="TelemetryAttributes.InstrumentKeys"/> or
    /// <see cref="TelemetryAttributes.SpanKeys"/>, or a value looks like an address or holds one of
    /// <paramref name="secrets"/>.
    /// </summary>
    public static void Bounded(MeasurementTagRecorder measurements, IEnumerable<Activity> spans, params string[] secrets)
    {
        var problems = new List<string>();
        foreach (var (instrument, key, value) in measurements.Tags)
        {
            if (!TelemetryAttributes.InstrumentKeys.Contains(key))
            {
                problems.Add($"{instrument} carries the attribute {key}");
            }

            Check(instrument, key, value);
        }

        foreach (var span in spans)
        {
            foreach (var (key, value) in span.EnumerateTagObjects())
            {
                if (!TelemetryAttributes.SpanKeys.Contains(key))
                {
                    problems.Add($"span {span.OperationName} carries the attribute {key}");
                }

                Check(span.OperationName, key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
            }

            Check(span.OperationName, "status description", span.StatusDescription ?? string.Empty);
        }

        if (problems.Count > 0)
        {
            throw new Xunit.Sdk.XunitException("Unbounded or sensitive telemetry: " + string.Join("; ", problems));
        }

        void Check(string source, string key, string value)
        {
            if (TelemetryAttributes.LooksLikeAddress(value))
            {
                problems.Add($"{source}: {key} = '{value}' looks like an address");
            }

            foreach (var secret in secrets)
            {
                if (value.Contains(secret, StringComparison.Ordinal))
                {
                    problems.Add($"{source}: {key} holds a secret");
                }
            }
        }
    }
}
