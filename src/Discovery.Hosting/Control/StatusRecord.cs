using System.Globalization;
using System.Text.Json;

namespace Discovery.Hosting.Control;

/// <summary>
/// An instance's status record, written by the instance under its lease (so it vanishes with the instance):
/// <c>{"state":"registered"|"withdrawn"|"paused"|"draining"|"drained","weight":N,"inFlight":K,"drainedAt":"…"}</c>,
/// <c>drainedAt</c> (ISO 8601, UTC) only once drained.
/// </summary>
/// <param name="State">What the instance does now.</param>
/// <param name="Weight">The weight its records carry.</param>
/// <param name="InFlight">The gRPC calls it was serving when the record was written.</param>
/// <param name="DrainedAt">When its in-flight calls reached zero while draining.</param>
internal readonly record struct StatusRecord(string State, int Weight, int InFlight, DateTimeOffset? DrainedAt)
{
    /// <summary>The record's JSON value.</summary>
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("state", State);
            json.WriteNumber("weight", Weight);
            json.WriteNumber("inFlight", InFlight);
            if (DrainedAt is { } at)
            {
                json.WriteString("drainedAt", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
