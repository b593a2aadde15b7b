using System.Text.Json;

namespace Discovery.Hosting.Control;

/// <summary>What an instance's control record asks: <c>active</c>, <c>paused</c> or <c>draining</c>.</summary>
internal enum ControlMode
{
    /// <summary>Registered (unless the health gate withdraws it).</summary>
    Active,

    /// <summary>Records out of etcd, lease kept, calls in flight served.</summary>
    Paused,

    /// <summary>Paused, and the instance reports when its in-flight calls reached zero.</summary>
    Draining,
}

/// <summary>
/// An instance's control record, <c>{"state":"active"|"paused"|"draining","weight":N}</c>, both fields optional:
/// an absent record is <see cref="Default"/> (active, the configured weight). Unknown fields are ignored.
/// </summary>
/// <param name="Mode">The state asked for.</param>
/// <param name="Weight">The weight asked for, or null for the configured one.</param>
internal readonly record struct ControlRecord(ControlMode Mode, int? Weight)
{
    /// <summary>Larger values are not read (a control record holds two short fields).</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>No record: active, with the configured weight.</summary>
    public static ControlRecord Default => new(ControlMode.Active, null);

    /// <summary>The name of a mode in the record.</summary>
    public static string Name(ControlMode mode) => mode switch
    {
        ControlMode.Paused => "paused",
        ControlMode.Draining => "draining",
        _ => "active",
    };

    /// <summary>The record's JSON value.</summary>
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("state", Name(Mode));
            if (Weight is { } weight)
            {
                json.WriteNumber("weight", weight);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a record's value; false with the reason when it cannot be read.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, out ControlRecord record, out string? problem)
    {
        record = Default;
        if (value.Length > MaxBytes)
        {
            problem = $"the value is {value.Length} bytes, over {MaxBytes}";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(value);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "the value is not a JSON object";
                return false;
            }

            var mode = ControlMode.Active;
            int? weight = null;
            foreach (var property in root.EnumerateObject())
            {
                if (property.NameEquals("state"))
                {
                    if (property.Value.ValueKind != JsonValueKind.String || !TryParseMode(property.Value.GetString(), out mode))
                    {
                        problem = "\"state\" must be \"active\", \"paused\" or \"draining\"";
                        return false;
                    }
                }
                else if (property.NameEquals("weight"))
                {
                    if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var read) || read <= 0)
                    {
                        problem = "\"weight\" must be a positive integer";
                        return false;
                    }

                    weight = read;
                }
            }

            record = new ControlRecord(mode, weight);
            problem = null;
            return true;
        }
        catch (JsonException ex)
        {
            problem = "the value is not JSON: " + ex.Message;
            return false;
        }
    }

    private static bool TryParseMode(string? text, out ControlMode mode)
    {
        mode = text?.ToLowerInvariant() switch
        {
            "active" => ControlMode.Active,
            "paused" => ControlMode.Paused,
            "draining" => ControlMode.Draining,
            _ => (ControlMode)(-1),
        };
        return mode >= ControlMode.Active;
    }
}
