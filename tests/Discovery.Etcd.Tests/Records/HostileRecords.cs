using System.Globalization;
using System.Text;
using CsCheck;
using Discovery.Etcd.Records;

namespace Discovery.Etcd.Tests.Records;

/// <summary>What a hostile value must decode to, when the generator knows.</summary>
internal enum Expected
{
    /// <summary>The generator cannot tell: only the decoder's contract is checked.</summary>
    Either,

    /// <summary>A record, with <see cref="HostileValue.Address"/> (and the weight and id, when given).</summary>
    Record,

    /// <summary>A rejection with a reason.</summary>
    Rejection,
}

/// <summary>One generated record value and what the generator knows it must decode to.</summary>
internal sealed record HostileValue(string Kind, byte[] Value, Expected Expected, string? Address = null, int? Weight = null, EndpointMetadata? Metadata = null)
{
    public static HostileValue Of(string kind, string json, Expected expected, string? address = null, int? weight = null, EndpointMetadata? metadata = null) =>
        new(kind, Encoding.UTF8.GetBytes(json), expected, address, weight, metadata);

    // What CsCheck prints for a failing case: the kind, the expectation and the start of the value, escaped.
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var rune in Encoding.UTF8.GetString(Value.AsSpan(0, Math.Min(Value.Length, 400))).EnumerateRunes())
        {
            text.Append(rune.Value is < 0x20 or 0x7F or 0xFFFD ? $"\\x{rune.Value:X2}" : rune.ToString());
        }

        return $"{Kind} (expected {Expected}{(Address is null ? string.Empty : " " + Address)}{(Weight is null ? string.Empty : " weight " + Weight)}), " +
            $"{Value.Length} bytes: {text}{(Value.Length > 400 ? "…" : string.Empty)}";
    }
}

/// <summary>
/// Generators of hostile record values for the decoder, one per way of being wrong. Each value says what it must
/// decode to when that can be known from how it was made; the others are held to the decoder's contract only.
/// </summary>
internal static class HostileRecords
{
    private static readonly string[] s_fieldNames = ["Op", "Addr", "Metadata"];

    /// <summary>A host of each kind the decoder reads: IPv4, a DNS name, a bracketed IPv6 address.</summary>
    public static readonly Gen<string> Host = Gen.Frequency(
        (3, Gen.Select(Gen.Int[0, 255], Gen.Int[0, 255], Gen.Int[0, 255], Gen.Int[0, 255], (a, b, c, d) => $"{a}.{b}.{c}.{d}")),
        (2, Gen.Select(
                Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"],
                Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_"].Array[0, 12],
                (first, rest) => first + new string(rest))
            .Array[1, 4].Select(labels => string.Join('.', labels))),
        (1, Gen.UShort.Array[8].Select(parts => "[" + string.Join(':', parts.Select(p => p.ToString("x", CultureInfo.InvariantCulture))) + "]")),
        (1, Gen.OneOf("[::1]", "[fe80::1]", "[2001:db8::5]", "localhost")));

    /// <summary>A valid <c>host:port</c>.</summary>
    public static readonly Gen<string> Address = Gen.Select(Host, Gen.Int[1, 65535], (host, port) => $"{host}:{port}");

    /// <summary>Plain metadata, as a registration writes it.</summary>
    public static readonly Gen<EndpointMetadata> Metadata = Gen.Select(
        Gen.Int[0, 999], Gen.Int[1, 5], Gen.Int[1, 10_000], Gen.Bool,
        (id, version, weight, zoned) => new EndpointMetadata($"s{id}", $"v{version}", weight, zoned ? "eu-1" : null, null));

    /// <summary>A valid record in each form a writer uses, with its address.</summary>
    public static readonly Gen<(string Address, byte[] Value)> ValidRecord = Gen.Select(Address, Metadata, Gen.Int[0, 3], (address, metadata, form) =>
        (address, form switch
        {
            0 => EndpointRecordCodec.Encode(address, metadata, RecordMetadataFormat.FormString),
            1 => EndpointRecordCodec.Encode(address, metadata, RecordMetadataFormat.JsonObject),
            2 => Encoding.UTF8.GetBytes($$"""{"Op":0,"Addr":{{Quote(address)}},"Metadata":null}"""),
            _ => Encoding.UTF8.GetBytes($$"""{ "Addr" : {{Quote(address)}} ,"Metadata":{{Quote("id=" + metadata.InstanceId)}} }"""),
        }));

    /// <summary>Random bytes, bytes drawn from JSON's alphabet, and valid records with a few bytes changed.</summary>
    public static readonly Gen<HostileValue> RandomBytes = Gen.Frequency(
        (1, Gen.Byte.Array[0, 300].Select(b => new HostileValue("random bytes", b, Expected.Either))),
        (2, Gen.Char["{}[]\":,\\ \t\n-+.0123456789eEtrufalsnAOpdMmh:/=&%u"].Array[0, 300]
            .Select(c => new HostileValue("JSON alphabet", Encoding.UTF8.GetBytes(c), Expected.Either))),
        (3, Gen.Select(ValidRecord, Gen.Int[0, int.MaxValue].Array[1, 6], Gen.Byte.Array[6], (valid, positions, bytes) =>
            new HostileValue("mutated record", Mutate(valid.Value, positions, bytes), Expected.Either))));

    /// <summary>A valid record cut short (always invalid JSON), or followed by white space (valid) or by anything else (invalid).</summary>
    public static readonly Gen<HostileValue> Truncated = Gen.Frequency(
        (4, Gen.Select(ValidRecord, Gen.Int[0, int.MaxValue], (valid, cut) =>
            new HostileValue("truncated record", valid.Value[..(cut % valid.Value.Length)], Expected.Rejection))),
        (1, Gen.Select(ValidRecord, Gen.OneOf(" ", "\n", "\t\r\n  "), (valid, suffix) =>
            new HostileValue("record and white space", [.. valid.Value, .. Encoding.UTF8.GetBytes(suffix)], Expected.Record, valid.Address))),
        (1, Gen.Select(ValidRecord, Gen.OneOf("}", ",", "x", "{}", "0", "\"\"", "// c", "/* c */", "\0", "\uFEFF", "null"), (valid, suffix) =>
            new HostileValue("record and trailing data", [.. valid.Value, .. Encoding.UTF8.GetBytes(suffix)], Expected.Rejection))));

    /// <summary>
    /// Arrays and objects nested 1 to 200 deep, in an unknown field, in <c>Metadata</c>, inside a metadata object, in
    /// <c>Addr</c> or <c>Op</c>, around the record, or left open. The decoder reads 16 levels; past that it rejects.
    /// </summary>
    public static readonly Gen<HostileValue> DeeplyNested = Gen.Select(Address, Gen.Int[1, 200], Gen.Int[0, 5], Gen.Int[0, 2], Gen.Bool, (address, depth, place, shape, closed) =>
    {
        var nested = Nest(depth, shape, closed);
        var addr = Quote(address);
        var total = 1 + depth + (place == 2 ? 1 : 0);
        return place switch
        {
            0 => HostileValue.Of("nested unknown field", $$"""{"Addr":{{addr}},"x":{{nested}}}""", Accepts(closed, total), address),
            1 => HostileValue.Of("nested Metadata", $$"""{"Addr":{{addr}},"Metadata":{{nested}}}""", Accepts(closed, total), address),
            2 => HostileValue.Of("nested metadata value", $$$"""{"Addr":{{{addr}}},"Metadata":{"id":"s1","x":{{{nested}}}}}""", Accepts(closed, total), address),
            3 => HostileValue.Of("nested Addr", $$"""{"Addr":{{nested}}}""", Expected.Rejection),
            4 => HostileValue.Of("nested Op", $$"""{"Op":{{nested}},"Addr":{{addr}}}""", Expected.Rejection),
            _ => HostileValue.Of("record inside nesting", NestAround(depth, $$"""{"Addr":{{addr}}}"""), Expected.Rejection),
        };
    });

    /// <summary>
    /// One of <c>Op</c>, <c>Addr</c>, <c>Metadata</c> holding each JSON type, the other two valid. <c>Op</c> reads only
    /// null or an integer 0 to 255 (as etcd's Go code does), <c>Addr</c> only a string, <c>Metadata</c> anything.
    /// </summary>
    public static readonly Gen<HostileValue> WrongTypes = Gen.Select(Address, Gen.Int[0, 2], Gen.OneOf(JsonValues()), (address, field, value) =>
    {
        var fields = new Dictionary<string, string> { ["Op"] = "0", ["Addr"] = Quote(address), ["Metadata"] = Quote("id=s1") };
        var name = s_fieldNames[field];
        fields[name] = value.Json;
        var expected = name switch
        {
            "Op" => value.Json == "null" || (value.Json.All(char.IsAsciiDigit) && byte.TryParse(value.Json, CultureInfo.InvariantCulture, out _)),
            "Addr" => value.Kind == "address string",
            _ => true,
        };
        var weight = name == "Metadata" && value.Json.StartsWith("{\"weight\":", StringComparison.Ordinal) ? value.Weight : null;
        return HostileValue.Of(
            $"{name} {value.Kind}",
            "{" + string.Join(',', fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}",
            expected ? Expected.Record : Expected.Rejection,
            !expected ? null : name == "Addr" ? "10.0.0.9:80" : address,
            weight ?? (expected && name == "Metadata" && value.Json.StartsWith('{') ? EndpointMetadata.DefaultWeight : null));
    });

    /// <summary>
    /// <c>Addr</c>, <c>Op</c> and <c>Metadata</c> each repeated in any case (<c>addr</c>, <c>ADDR</c>, escaped as
    /// <c>\u0041ddr</c>) among look-alikes that are other fields (Cyrillic А, a trailing space). As in Go, names match
    /// case-insensitively and the last of duplicates wins.
    /// </summary>
    public static readonly Gen<HostileValue> DuplicateFields =
        Gen.Select(Gen.Int[0, 4], Address, Gen.Int[1, 10_000], Gen.Int[0, 9], Gen.Int[0, int.MaxValue])
            .Array[1, 6]
            .Select(occurrences =>
            {
                string? address = null;
                var weight = EndpointMetadata.DefaultWeight;
                var fields = new List<string>();
                foreach (var (what, candidate, candidateWeight, spelling, casing) in occurrences)
                {
                    switch (what)
                    {
                        case 0 or 1:
                            var name = Spell("Addr", spelling, casing, out var isAddr);
                            fields.Add($"{name}:{Quote(candidate)}");
                            address = isAddr ? candidate : address;
                            break;
                        case 2:
                            fields.Add($"{Spell("Metadata", spelling, casing, out var isMetadata)}:{Quote($"weight={candidateWeight}")}");
                            weight = isMetadata ? candidateWeight : weight;
                            break;
                        case 3:
                            fields.Add($"{Spell("Op", spelling, casing, out _)}:{candidateWeight % 256}");
                            break;
                        default:
                            fields.Add($"{Spell("Other", spelling, casing, out _)}:{Quote(candidate)}");
                            break;
                    }
                }

                return HostileValue.Of(
                    "duplicate and case-variant fields",
                    "{" + string.Join(',', fields) + "}",
                    address is null ? Expected.Rejection : Expected.Record,
                    address,
                    address is null ? null : weight);
            });

    /// <summary>Weights as text and as JSON numbers: beyond int, negative, zero, fractions, exponents, NaN-like, non-ASCII digits.</summary>
    public static readonly Gen<HostileValue> Weights = Gen.Select(
        Address,
        Gen.Frequency(
            (3, Gen.Long[long.MinValue, long.MaxValue].Select(n => n.ToString(CultureInfo.InvariantCulture))),
            (3, Gen.Long[-3, 3].Select(d => (int.MaxValue + d).ToString(CultureInfo.InvariantCulture))),
            (2, Gen.Int[-5, 5].Select(n => n.ToString(CultureInfo.InvariantCulture))),
            (1, Gen.Char['0', '9'].Array[1, 400].Select(d => new string(d))),
            (2, Gen.OneOf(
                "NaN", "Infinity", "-Infinity", "1e3", "1E+2", "0x10", " 5", "5 ", "+5", "-0", "5.0", "0.5", "", "٥", "５", "1_000",
                "00000000000000000000000000000000000000005", "99999999999999999999999999999999", "5\u0000", "true", "null"))),
        Gen.Int[0, 2],
        (address, weight, form) =>
        {
            var expected = weight.Length == 0 ? EndpointMetadata.DefaultWeight : ExpectedWeight(weight);
            var json = form switch
            {
                0 => $$"""{"Addr":{{Quote(address)}},"Metadata":{{Quote("weight=" + Uri.EscapeDataString(weight))}}}""",
                1 => $$$"""{"Addr":{{{Quote(address)}}},"Metadata":{"weight":{{{Quote(weight)}}}}}""",
                // A JSON number when the text is one; otherwise a string again.
                _ => $$$"""{"Addr":{{{Quote(address)}}},"Metadata":{"weight":{{{(IsJsonNumber(weight) ? weight : Quote(weight))}}}}}""",
            };
            return HostileValue.Of($"weight '{weight}'", json, expected is null ? Expected.Rejection : Expected.Record, address, expected);
        });

    /// <summary>
    /// Strings of 1 to 32 K characters in ids, metadata, unknown fields and hosts (values up to 64 KB, the watcher's
    /// default limit); numbers of thousands of digits;
    /// thousands of fields or form pairs. Every one must cost time and memory in proportion to its size.
    /// </summary>
    public static readonly Gen<HostileValue> Huge = HugeUpTo(32_000);

    /// <summary>Every generator above, equally often (huge values kept small): the mix the live-watcher test writes to etcd.</summary>
    public static Gen<HostileValue> Any => Gen.OneOf(RandomBytes, Truncated, DeeplyNested, WrongTypes, DuplicateFields, Weights, Unicode, HugeUpTo(2_000));

    private static Gen<HostileValue> HugeUpTo(int maxSize) => Gen.Select(Address, Gen.Int[1, maxSize], Gen.Int[0, 7], Gen.Char['a', 'z'], (address, size, place, letter) =>
    {
        var addr = Quote(address);
        var text = new string(letter, size);
        return place switch
        {
            0 => HostileValue.Of("huge id", $$"""{"Addr":{{addr}},"Metadata":{{Quote("id=" + text)}}}""", Expected.Record, address, metadata: new(text, null, EndpointMetadata.DefaultWeight, null, null)),
            1 => HostileValue.Of("huge metadata object", $$$"""{"Addr":{{{addr}}},"Metadata":{"id":{{{Quote(text)}}},"{{{text}}}":"x"}}""", Expected.Record, address, metadata: new(text, null, EndpointMetadata.DefaultWeight, null, new Dictionary<string, string> { [text] = "x" })),
            2 => HostileValue.Of("huge unknown field", $$"""{"Addr":{{addr}},"{{text}}":{{Quote(text)}}}""", Expected.Record, address),
            // DNS names are at most 253 characters (RFC 1035): a longer host cannot be reached.
            3 => HostileValue.Of("huge host", $$"""{"Addr":{{Quote(text + ":80")}}}""", size <= 253 ? Expected.Record : Expected.Rejection, size <= 253 ? text + ":80" : null),
            4 => HostileValue.Of("huge number", $$"""{"Addr":{{addr}},"x":1{{new string('0', size)}},"Op":{{(size % 2 == 0 ? "0" : "1" + new string('0', size))}}}""", size % 2 == 0 ? Expected.Record : Expected.Rejection, size % 2 == 0 ? address : null),
            5 => HostileValue.Of("huge port", $$"""{"Addr":{{Quote("h:" + new string('9', size))}}}""", size <= 4 ? Expected.Record : Expected.Rejection),
            6 => HostileValue.Of("many form pairs", $$"""{"Addr":{{addr}},"Metadata":{{Quote(string.Join('&', Enumerable.Range(0, size / 8).Select(i => $"k{i}={letter}")))}}}""", Expected.Record, address),
            _ => HostileValue.Of("many fields", "{" + string.Concat(Enumerable.Range(0, size / 8).Select(i => $"\"f{i}\":{i},")) + "\"Addr\":" + addr + "}", Expected.Record, address),
        };
    });

    /// <summary>
    /// Any UTF-16 text, with control characters, bidi overrides, BOMs, emoji and lone surrogates, in ids, versions,
    /// zones and other metadata, written by our encoder (must read back equal), escaped by hand, raw (control
    /// characters unescaped are invalid JSON), or as invalid UTF-8.
    /// </summary>
    public static readonly Gen<HostileValue> Unicode = Gen.Select(Address, UnicodeText.Array[4], Gen.Int[0, 4], (address, texts, form) =>
    {
        switch (form)
        {
            case 0 or 1:
                var clean = texts.Select(t => WithoutLoneSurrogates(t)).ToArray();
                // The encoder omits empty values, so only a non-empty one is expected back.
                var others = clean[0].Length == 0 || clean[3].Length == 0 || EndpointMetadata.IsReservedKey(clean[3])
                    ? null
                    : new Dictionary<string, string> { [clean[3]] = clean[0] };
                var metadata = new EndpointMetadata(clean[0], clean[1], EndpointMetadata.DefaultWeight, clean[2], others);
                var value = EndpointRecordCodec.Encode(address, metadata, (RecordMetadataFormat)form);
                return new HostileValue("unicode metadata, encoded", value, Expected.Record, address, EndpointMetadata.DefaultWeight, metadata);
            case 2:
                return HostileValue.Of("unicode metadata, escaped", $$$"""{"Addr":{{{Quote(address)}}},"Metadata":{"id":{{{Quote(texts[0], escapeAll: true)}}},"{{{Escape(texts[1], escapeAll: true)}}}":{{{Quote(texts[2])}}}}}""", Expected.Either);
            case 3:
                var raw = (texts[0] + "\n" + texts[1]).Replace("\"", string.Empty, StringComparison.Ordinal).Replace("\\", string.Empty, StringComparison.Ordinal);
                return HostileValue.Of("raw control character", $$"""{"Addr":{{Quote(address)}},"Metadata":"id={{raw}}"}""", Expected.Rejection);
            default:
                byte[] invalid = [.. Encoding.UTF8.GetBytes($$"""{"Addr":{{Quote(address)}},"Metadata":"id=s"""), .. texts[0].Select(c => (byte)(0x80 | (c & 0x7F))), .. "\"}"u8];
                return new HostileValue("invalid UTF-8", invalid, Expected.Either);
        }
    });

    private static Gen<string> UnicodeText => Gen.Frequency(
        (4, Gen.Char.Array[0, 24].Select(c => new string(c))),
        (2, Gen.Char['\0', '\u001F'].Array[1, 8].Select(c => new string(c))),
        (2, Gen.OneOf("\u202E", "\uFEFF", "\u200B", "\u2028", "\u0085", "\uD83D\uDE00", "é", "e\u0301", "\uD800", "\uDFFF", "İ", "ß", "%00", "%FF%FE", "%", "+", "&", "=")
            .Array[1, 6].Select(parts => string.Concat(parts))));

    /// <summary>A JSON string literal: quotes, backslashes, control characters and lone surrogates escaped; the rest raw or, with <paramref name="escapeAll"/>, all escaped.</summary>
    public static string Quote(string text, bool escapeAll = false) => "\"" + Escape(text, escapeAll) + "\"";

    private static string Escape(string text, bool escapeAll)
    {
        var builder = new StringBuilder(text.Length + 2);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (escapeAll || c < 0x20 || (char.IsSurrogate(c) && !pair && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))))
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

    private static string WithoutLoneSurrogates(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    private static Expected Accepts(bool closed, int depth) => closed && depth <= 16 ? Expected.Record : Expected.Rejection;

    private static string Nest(int depth, int shape, bool closed)
    {
        var open = new StringBuilder();
        var close = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            var asArray = shape == 0 || (shape == 2 && i % 2 == 0);
            open.Append(asArray ? "[" : "{\"a\":");
            close.Insert(0, asArray ? "]" : "}");
        }

        open.Append("1");
        return closed ? open.Append(close).ToString() : open.Append(close.ToString(0, close.Length / 2)).ToString();
    }

    private static string NestAround(int depth, string inner) => new string('[', depth) + inner + new string(']', depth);

    private static byte[] Mutate(byte[] value, int[] positions, byte[] bytes)
    {
        var result = new List<byte>(value);
        for (var i = 0; i < positions.Length && result.Count > 0; i++)
        {
            var at = positions[i] % result.Count;
            switch (bytes[i] % 3)
            {
                case 0:
                    result[at] = bytes[(i + 1) % bytes.Length];
                    break;
                case 1:
                    result.Insert(at, bytes[(i + 1) % bytes.Length]);
                    break;
                default:
                    result.RemoveAt(at);
                    break;
            }
        }

        return [.. result];
    }

    // Casing picks the case of each letter; spelling 0 to 5 keeps the name (in that casing), 6 escapes its first
    // letter (still the name), 7 uses a Cyrillic look-alike, 8 adds a space, 9 drops a letter: those are other fields.
    private static string Spell(string name, int spelling, int casing, out bool isName)
    {
        var cased = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            cased.Append((casing >> i & 1) == 1 ? char.ToUpperInvariant(name[i]) : char.ToLowerInvariant(name[i]));
        }

        var spelled = cased.ToString();
        isName = name != "Other" && spelling <= 6;
        return spelling switch
        {
            6 => $"\"\\u{(int)spelled[0]:X4}{spelled[1..]}\"",
            7 => $"\"{(spelled[0] is 'A' or 'a' ? "\u0410" : spelled[0] is 'O' or 'o' ? "\u041E" : "\u041C")}{spelled[1..]}\"",
            8 => $"\"{spelled} \"",
            9 => $"\"{spelled[1..]}\"",
            _ => $"\"{spelled}\"",
        };
    }

    // Form and object values read the weight as decimal digits only (as int.TryParse with NumberStyles.None does).
    private static int? ExpectedWeight(string text) =>
        text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) && weight > 0 ? weight : null;

    private static bool IsJsonNumber(string text)
    {
        if (text.Trim() != text)
        {
            return false;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Number;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static (string Kind, string Json, int? Weight)[] JsonValues() =>
    [
        ("string", "\"text\"", null), ("address string", "\"10.0.0.9:80\"", null), ("zero", "0", null), ("byte", "255", null),
        ("256", "256", null), ("negative", "-1", null), ("minus zero", "-0", null), ("fraction", "1.5", null), ("zero point zero", "0.0", null),
        ("exponent", "1e2", null), ("huge number", "99999999999999999999999999", null), ("true", "true", null), ("false", "false", null),
        ("null", "null", null), ("empty array", "[]", null), ("array", "[\"10.0.0.9:80\"]", null), ("empty object", "{}", null),
        ("object", "{\"Addr\":\"10.0.0.9:80\"}", null), ("weight object", "{\"weight\":7}", 7), ("weight string object", "{\"weight\":\"8\"}", 8),
    ];
}
