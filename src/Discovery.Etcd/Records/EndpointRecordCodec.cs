using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Discovery.Etcd.Records;

/// <summary>
/// Reads and writes etcd's Go naming record, <c>{"Op":0,"Addr":"host:port","Metadata":…}</c>.
/// Writes exactly those field names with <c>Op</c> the number 0; reads as Go does: field names case-insensitive
/// (the last of duplicates wins), unknown fields ignored, <c>Metadata</c> as a form string, a JSON object or null.
/// </summary>
/// <remarks>
/// <c>Op</c>: Go's resolver ignores its value (a put is always an add), but etcd 3.4's Go code decodes it into an
/// 8-bit unsigned integer and skips the whole record when that fails. So any integer 0 to 255 (or null, or no
/// <c>Op</c>) is read as an add, and anything else (<c>"Op":"Add"</c>, -1, 1.5) rejects the record: every
/// client of the fleet then sees the same endpoints.
/// </remarks>
internal static partial class EndpointRecordCodec
{
    /// <summary>
    /// The largest record written: a quarter of what watchers read by default (<see cref="EtcdOptions.MaxRecordBytes"/>),
    /// so a registration's record is read by every client whose limit was not lowered below it.
    /// </summary>
    public const int MaxEncodedBytes = 16 * 1024;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // The output is JSON for etcd, never HTML: keep '&' and '+' of the form string readable in etcdctl.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // The longest DNS name (RFC 1035): a longer host cannot be reached, and each one read is kept in memory.
    private const int MaxHostLength = 253;

    // How much of a value from the record, and of a JSON error message, a reason quotes.
    private const int MaxShownValue = 64;
    private const int MaxShownMessage = 200;

    /// <summary>Encodes one record.</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="address"/> is not <c>host:port</c>, or the record would be larger than <see cref="MaxEncodedBytes"/>.
    /// </exception>
    public static byte[] Encode(string address, EndpointMetadata metadata, RecordMetadataFormat format)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        ArgumentNullException.ThrowIfNull(metadata);
        if (!TryParseAddress(address, out _, out _, out var addressProblem))
        {
            throw new ArgumentException(addressProblem, nameof(address));
        }

        if (format is not (RecordMetadataFormat.FormString or RecordMetadataFormat.JsonObject))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown metadata format.");
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("Op", 0);
            writer.WriteString("Addr", address);
            if (format == RecordMetadataFormat.JsonObject)
            {
                writer.WriteStartObject("Metadata");
                foreach (var (key, value) in EnumerateMetadata(metadata))
                {
                    if (key == EndpointMetadata.WeightKey)
                    {
                        writer.WriteNumber(key, metadata.Weight);
                    }
                    else
                    {
                        writer.WriteString(key, value);
                    }
                }

                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("Metadata", FormatForm(metadata));
            }

            writer.WriteEndObject();
        }

        if (buffer.WrittenCount > MaxEncodedBytes)
        {
            throw new ArgumentException(
                $"The record of '{address}' would be {buffer.WrittenCount} bytes, over the {MaxEncodedBytes} byte limit of written records.",
                nameof(metadata));
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The form-string encoding of <paramref name="metadata"/>: <c>id=…&amp;version=…&amp;weight=…&amp;zone=…&amp;…</c>.</summary>
    public static string FormatForm(EndpointMetadata metadata)
    {
        var builder = new StringBuilder(64);
        foreach (var (key, value) in EnumerateMetadata(metadata))
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }

    /// <summary>Splits <c>host:port</c> or <c>[v6]:port</c>; the port must be 1 to 65535.</summary>
    public static bool TryParseAddress(
        string address,
        [NotNullWhen(true)] out string? host,
        out int port,
        [NotNullWhen(false)] out string? reason)
    {
        host = null;
        port = 0;
        int colon;
        if (address.StartsWith('['))
        {
            var close = address.IndexOf(']', StringComparison.Ordinal);
            if (close < 2 || close + 1 >= address.Length || address[close + 1] != ':')
            {
                reason = $"Addr {Shown(address)} is not [host]:port";
                return false;
            }

            host = address[1..close];
            colon = close + 1;
        }
        else
        {
            colon = address.LastIndexOf(':');
            if (colon <= 0 || address.AsSpan(0, colon).Contains(':'))
            {
                reason = $"Addr {Shown(address)} is not host:port";
                return false;
            }

            host = address[..colon];
        }

        if (!TryParseDecimal(address.AsSpan(colon + 1), out port) || port is < 1 or > 65535)
        {
            host = null;
            reason = $"Addr {Shown(address)} has no valid port (1 to 65535)";
            return false;
        }

        if (host.Length > MaxHostLength)
        {
            host = null;
            reason = $"Addr {Shown(address)} has a host longer than {MaxHostLength} characters";
            return false;
        }

        if (!IsValidHost(host, bracketed: address.StartsWith('[')))
        {
            host = null;
            reason = $"Addr {Shown(address)} has an invalid host";
            return false;
        }

        reason = null;
        return true;
    }

    /// <summary>
    /// Reads decimal digits only. int.TryParse alone, even with <see cref="NumberStyles.None"/>, also reads trailing
    /// NUL characters ("80\0" is 80), so a record with such a port or weight would be read here but not by Go.
    /// </summary>
    private static bool TryParseDecimal(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        return !text.IsEmpty
            && !text.ContainsAnyExceptInRange('0', '9')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// A value from the record as a reason quotes it: its start only, control characters escaped, so that a hostile
    /// record can neither flood the log (a reason is logged for every skipped record) nor forge lines in it.
    /// </summary>
    private static string Shown(string value) =>
        value.Length > MaxShownValue
            ? string.Create(CultureInfo.InvariantCulture, $"'{Escaped(value, MaxShownValue)}' ({value.Length} characters)")
            : $"'{Escaped(value, MaxShownValue)}'";

    /// <summary>
    /// <paramref name="text"/> with control characters and surrogates as <c>\uXXXX</c>, cut at about
    /// <paramref name="max"/> characters (escapes included: a JSON error message may quote many control characters).
    /// </summary>
    private static string Escaped(string text, int max)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\u001F') && !text.AsSpan().ContainsAnyInRange('\u007F', '\u009F') && !text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return text.Length <= max ? text : text[..max];
        }

        var builder = new StringBuilder(max + 6);
        foreach (var c in text)
        {
            if (builder.Length >= max)
            {
                break;
            }

            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private enum RecordField
    {
        Other,
        Operation,
        Address,
        Metadata,
    }

    private static RecordField Field(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("Addr"u8))
        {
            return RecordField.Address;
        }

        if (reader.ValueTextEquals("Metadata"u8))
        {
            return RecordField.Metadata;
        }

        if (reader.ValueTextEquals("Op"u8))
        {
            return RecordField.Operation;
        }

        // The exact names above are what every writer uses; only other spellings pay for a string.
        var name = reader.GetString();
        return string.Equals(name, "Addr", StringComparison.OrdinalIgnoreCase) ? RecordField.Address
            : string.Equals(name, "Metadata", StringComparison.OrdinalIgnoreCase) ? RecordField.Metadata
            : string.Equals(name, "Op", StringComparison.OrdinalIgnoreCase) ? RecordField.Operation
            : RecordField.Other;
    }

    // A DNS name or IPv4 address (letters, digits, '.', '-', '_'), or an IPv6 address inside brackets.
    private static bool IsValidHost(string host, bool bracketed)
    {
        if (bracketed)
        {
            return IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
        }

        if (host.StartsWith('.') || host.StartsWith('-') || host.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in host)
        {
            if (!char.IsLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadMetadata(
        ref Utf8JsonReader reader,
        [NotNullWhen(true)] out EndpointMetadata? metadata,
        [NotNullWhen(false)] out string? reason)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return TryParseForm(reader.GetString()!, out metadata, out reason);
            case JsonTokenType.StartObject:
                var fields = default(MetadataFields);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (key.Length == 0)
                    {
                        reader.Skip();
                        continue;
                    }

                    switch (reader.TokenType)
                    {
                        case JsonTokenType.String:
                            fields.Set(key, reader.GetString()!);
                            break;
                        case JsonTokenType.Number:
                        case JsonTokenType.True:
                        case JsonTokenType.False:
                            fields.Set(key, Encoding.UTF8.GetString(reader.ValueSpan));
                            break;
                        default:
                            // Nested values and nulls carry nothing a picker can use.
                            reader.Skip();
                            break;
                    }
                }

                return fields.TryCreate(out metadata, out reason);
            default:
                // Go accepts any JSON here; null, numbers and arrays carry no metadata we can use.
                reader.Skip();
                metadata = EndpointMetadata.Empty;
                reason = null;
                return true;
        }
    }

    /// <summary>
    /// Reads <c>key=value&amp;…</c> without splitting it into pieces: a well-known key is matched in place, and only
    /// values and other keys become strings.
    /// </summary>
    private static bool TryParseForm(
        string form,
        [NotNullWhen(true)] out EndpointMetadata? metadata,
        [NotNullWhen(false)] out string? reason)
    {
        var fields = default(MetadataFields);
        var rest = form.AsSpan();
        while (!rest.IsEmpty)
        {
            var ampersand = rest.IndexOf('&');
            var pair = ampersand < 0 ? rest : rest[..ampersand];
            rest = ampersand < 0 ? default : rest[(ampersand + 1)..];
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? string.Empty : Unescape(pair[(equals + 1)..]);
            if (key.ContainsAny('%', '+'))
            {
                fields.Set(Unescape(key), value);
            }
            else
            {
                fields.Set(key, value);
            }
        }

        return fields.TryCreate(out metadata, out reason);
    }

    /// <summary>Form decoding of one key or value: '+' is a space, then percent escapes.</summary>
    private static string Unescape(ReadOnlySpan<char> text) =>
        text.ContainsAny('%', '+') ? Uri.UnescapeDataString(text.ToString().Replace('+', ' ')) : text.ToString();

    /// <summary>The metadata read so far; a repeated key keeps its last value, as Go's decoders do.</summary>
    private struct MetadataFields
    {
        private string? _id;
        private string? _version;
        private string? _weight;
        private string? _zone;
        private Dictionary<string, string>? _others;

        public void Set(string key, string value) => Set(key, value, key);

        public void Set(ReadOnlySpan<char> key, string value, string? keyText = null)
        {
            switch (key)
            {
                case EndpointMetadata.IdKey:
                    _id = value;
                    break;
                case EndpointMetadata.VersionKey:
                    _version = value;
                    break;
                case EndpointMetadata.WeightKey:
                    _weight = value;
                    break;
                case EndpointMetadata.ZoneKey:
                    _zone = value;
                    break;
                default:
                    if (!key.IsEmpty)
                    {
                        (_others ??= new Dictionary<string, string>(StringComparer.Ordinal))[keyText ?? key.ToString()] = value;
                    }

                    break;
            }
        }

        public readonly bool TryCreate([NotNullWhen(true)] out EndpointMetadata? metadata, [NotNullWhen(false)] out string? reason)
        {
            metadata = null;
            var weight = EndpointMetadata.DefaultWeight;
            if (!string.IsNullOrEmpty(_weight) && (!TryParseDecimal(_weight, out weight) || weight <= 0))
            {
                reason = $"weight {Shown(_weight)} is not a positive integer";
                return false;
            }

            metadata = _id is null && _version is null && _weight is null && _zone is null && _others is null
                ? EndpointMetadata.Empty
                : EndpointMetadata.FromDecoded(_id, _version, weight, _zone, _others);
            reason = null;
            return true;
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> EnumerateMetadata(EndpointMetadata metadata)
    {
        if (metadata.InstanceId is { } id)
        {
            yield return new(EndpointMetadata.IdKey, id);
        }

        if (metadata.Version is { } version)
        {
            yield return new(EndpointMetadata.VersionKey, version);
        }

        yield return new(EndpointMetadata.WeightKey, metadata.Weight.ToString(CultureInfo.InvariantCulture));

        if (metadata.Zone is { } zone)
        {
            yield return new(EndpointMetadata.ZoneKey, zone);
        }

        foreach (var (key, value) in metadata.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (value.Length > 0)
            {
                yield return new(key, value);
            }
        }
    }
}
