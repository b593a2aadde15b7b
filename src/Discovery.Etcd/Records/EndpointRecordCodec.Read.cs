using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Discovery.Etcd.Records;

// Reading, apart from building the public ServiceInstance (EndpointRecordCodec.Decode.cs), so that tools compiling the
// codec in as linked source (Discovery.Cli's inspect) read records exactly as the watcher does.
internal static partial class EndpointRecordCodec
{
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 16 };

    /// <summary>
    /// Reads one record value into its address and metadata. Never throws for bad input: returns false with a reason
    /// that can be logged, which quotes at most the start of any value from the record. Reads a value of any size, in time and memory in
    /// proportion to it (the fuzz tests hold it to that): callers bound the size first, as the watcher does with
    /// <see cref="EtcdOptions.MaxRecordBytes"/>.
    /// </summary>
    public static bool TryRead(
        ReadOnlySpan<byte> value,
        [NotNullWhen(true)] out string? address,
        [NotNullWhen(true)] out string? host,
        out int port,
        [NotNullWhen(true)] out EndpointMetadata? metadata,
        [NotNullWhen(false)] out string? reason)
    {
        address = null;
        host = null;
        port = 0;
        metadata = EndpointMetadata.Empty;
        if (value.IsEmpty)
        {
            reason = "the value is empty";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(value, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                reason = "the value is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Field(ref reader);
                reader.Read();
                if (field == RecordField.Address)
                {
                    // Go decodes null into the empty string.
                    if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                    {
                        reason = "Addr is not a string";
                        return false;
                    }

                    address = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                }
                else if (field == RecordField.Operation)
                {
                    if (reader.TokenType != JsonTokenType.Null
                        && (reader.TokenType != JsonTokenType.Number || !reader.TryGetByte(out _)))
                    {
                        reason = "Op is not an integer from 0 to 255 (Go clients skip such records)";
                        return false;
                    }
                }
                else if (field == RecordField.Metadata)
                {
                    if (!TryReadMetadata(ref reader, out metadata!, out reason))
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            // Anything after the closing brace makes the value invalid JSON, as Go's decoder would say.
            if (reader.Read())
            {
                reason = "the value has data after its JSON object";
                return false;
            }
        }
        catch (JsonException ex)
        {
            // The message quotes the offending bytes, which may be control characters.
            reason = "the value is not valid JSON: " + Escaped(ex.Message, MaxShownMessage);
            return false;
        }
        catch (InvalidOperationException ex)
        {
            // GetString on text that is not valid UTF-8.
            reason = "the value is not valid UTF-8 JSON: " + Escaped(ex.Message, MaxShownMessage);
            return false;
        }

        if (string.IsNullOrEmpty(address))
        {
            reason = "the record has no Addr";
            return false;
        }

        return TryParseAddress(address, out host, out port, out reason);
    }
}
