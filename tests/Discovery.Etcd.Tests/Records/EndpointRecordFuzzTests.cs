using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Discovery.Etcd.Records;
using Discovery.Etcd.Watching;
using Google.Protobuf;
using Mvccpb;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Records;

/// <summary>
/// Property-based tests of the record decoder on generated hostile values (<see cref="HostileRecords"/>): every
/// value decodes to a record or to a rejection with a reason, never an exception; a value whose outcome its
/// generator knows decodes to that; and no decode allocates more than a small multiple of its size, so none is
/// quadratic.
/// </summary>
/// <remarks>
/// Each run draws new values. A failure prints the shrunk value and its seed (<c>Set seed: "…"</c>): replay it
/// with <c>CsCheck_Seed=… dotnet test --filter …</c>. The slowest decode of each test is written to its output
/// (<c>--logger "console;verbosity=detailed"</c>); time is not asserted on this shared machine, memory is.
/// </remarks>
public sealed class EndpointRecordFuzzTests(ITestOutputHelper output)
{
    // Cases per generator: together at least 100,000 record values a run (asserted below).
    // The huge values (up to 64 KB) cost the most, then the unicode ones (encoded first): fewer of those.
    private const int RandomBytesCases = 20_000;
    private const int TruncatedCases = 15_000;
    private const int NestedCases = 10_000;
    private const int WrongTypeCases = 15_000;
    private const int DuplicateFieldCases = 15_000;
    private const int WeightCases = 15_000;
    private const int HugeCases = 500;
    private const int UnicodeCases = 10_000;
    private const int KeyCases = 10_000;

    // Per decode: the value as UTF-16 strings (2 bytes a byte) a few times over (the Metadata string, its pieces),
    // and per metadata pair a key, a value and a dictionary entry (about 120 bytes for a 6-byte "k12=v&": measured
    // 21 bytes a byte), plus a constant for the exception and reason of a rejection. Quadratic cost would be
    // thousands of bytes a byte on the 32 K values.
    private const int AllocatedBytesPerInputByte = 32;
    private const int AllocatedBytesConstant = 32 * 1024;

    private const int MaxReasonLength = 400;

    static EndpointRecordFuzzTests()
    {
        // The first rejection of each kind loads exception resources (hundreds of KB, once per process): not the
        // decoder's cost, so paid here before any decode is measured.
        foreach (var value in new[] { "x", "{\"Addr\":1}", "{\"Addr\":\"h\"}", "{\"Op\":-1}", "[" + new string('[', 40), "{\"Addr\":\"\\uD800:1\"}", "{}", "{\"Addr\":\"h:1\"}x" })
        {
            EndpointRecordCodec.TryDecode(Encoding.UTF8.GetBytes(value), out _, out _);
        }

        EndpointRecordCodec.TryDecode([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], out _, out _);
    }

    [Fact]
    public void Fuzz_OneRun_GeneratesAtLeastHundredThousandRecordValues() =>
        Assert.True(
            RandomBytesCases + TruncatedCases + NestedCases + WrongTypeCases + DuplicateFieldCases + WeightCases + HugeCases + UnicodeCases >= 100_000);

    [Fact]
    public void TryDecode_RandomAndMutatedBytes_GivesARecordOrAReason() => Fuzz(HostileRecords.RandomBytes, RandomBytesCases);

    [Fact]
    public void TryDecode_TruncatedOrTrailedRecords_RejectsAllButTrailingWhiteSpace() => Fuzz(HostileRecords.Truncated, TruncatedCases);

    [Fact]
    public void TryDecode_DeeplyNestedJson_ReadsSixteenLevelsAndRejectsDeeper() => Fuzz(HostileRecords.DeeplyNested, NestedCases);

    [Fact]
    public void TryDecode_WrongTypeInEachField_RejectsBadAddrAndOpAndIgnoresMetadataItCannotUse() => Fuzz(HostileRecords.WrongTypes, WrongTypeCases);

    [Fact]
    public void TryDecode_DuplicateAndCaseVariantFields_LastMatchingFieldWins() => Fuzz(HostileRecords.DuplicateFields, DuplicateFieldCases);

    [Fact]
    public void TryDecode_WeightsBeyondIntNegativeOrNotDecimal_RejectsAllButPositiveInts() => Fuzz(HostileRecords.Weights, WeightCases);

    [Fact]
    public void TryDecode_HugeStringsNumbersAndFieldCounts_CostInProportionToSize() => Fuzz(HostileRecords.Huge, HugeCases);

    [Fact]
    public void TryDecode_UnicodeAndControlCharacters_ReadsBackWhatWasEncoded() => Fuzz(HostileRecords.Unicode, UnicodeCases);

    [Fact]
    public void ApplyPut_KeysOfServicesWhoseNamesArePrefixesOfEachOther_KeepOnlyTheWatchedServicesDirectChildren()
    {
        var segment = Gen.OneOf("echo", "echo-v2", "ech", "echo2", "Echo", "e", "a.b", "echo.", "x_y");
        var service = segment.Array[1, 3].Select(parts => string.Join('/', parts));
        var name = Gen.OneOf("10.0.0.1:80", "x", string.Empty, "a/b", "/", "/x", "x/", "echo", "echo/", "-", "\u00e9");
        var keyPrefix = Gen.OneOf(string.Empty, "p", "p/", "prod/eu", "echo/");
        var value = EndpointRecordCodec.Encode("10.0.0.1:80", EndpointMetadata.Empty, RecordMetadataFormat.FormString);
        var count = 0;

        Gen.Select(keyPrefix, service, service, name).Sample(
            (prefix, watched, owner, recordName) =>
            {
                Interlocked.Increment(ref count);
                var key = ServiceKeys.ServicePrefix(prefix, owner) + recordName;
                var state = new ServiceViewState(ServiceKeys.ServicePrefix(prefix, watched), 64 * 1024, (_, _, _) => { });

                state.ApplyPut(new KeyValue { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), ModRevision = 1 });

                // A key belongs to exactly one service: the one whose prefix it extends by a name without '/'.
                var owned = ServiceKeys.NormalizeKeyPrefix(prefix) + watched + "/" + recordName == key && recordName.Length > 0 && !recordName.Contains('/');
                Assert.Equal(owned, state.BuildEndpoints().Count == 1);
            },
            iter: KeyCases);

        Assert.True(count >= KeyCases, $"{count} cases");
        output.WriteLine($"{count.ToString("N0", CultureInfo.InvariantCulture)} keys checked");
    }

    private void Fuzz(Gen<HostileValue> gen, int cases)
    {
        var stats = new DecodeStats();
        var clock = Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;

        gen.Sample(value => CheckContract(value, stats), iter: cases, print: value => value.ToString());

        output.WriteLine(stats.Describe(clock.Elapsed, Environment.CpuUsage.TotalTime - cpu));
        Assert.True(stats.Count >= cases, $"{stats.Count} of {cases} cases ran");
    }

    /// <summary>Decodes one value and checks the decoder's contract and the generator's expectation.</summary>
    internal static void CheckContract(HostileValue value, DecodeStats stats)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        var ok = EndpointRecordCodec.TryDecode(value.Value, out var record, out var reason);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        stats.Add(value, ok, elapsed, allocated);

        var bound = (long)AllocatedBytesPerInputByte * value.Value.Length + AllocatedBytesConstant;
        Assert.True(allocated <= bound, $"decoding {value.Value.Length} bytes allocated {allocated} bytes, over {bound}");
        if (ok)
        {
            Assert.NotNull(record);
            Assert.Null(reason);
            Assert.True(value.Expected != Expected.Rejection, "accepted a value its generator knows to be invalid, as " + Shorten(record.ToString()));
            CheckRecord(value, record);
        }
        else
        {
            Assert.Null(record);
            Assert.False(string.IsNullOrWhiteSpace(reason), "a rejection without a reason");
            Assert.True(value.Expected != Expected.Record, "rejected a valid value: " + Shorten(reason));

            // A reason is logged for every skipped record: it must be short whatever the value, and hold no line
            // breaks or other control characters a hostile record could use to forge log lines.
            Assert.True(reason.Length <= MaxReasonLength, $"a reason of {reason.Length} characters: {Shorten(reason)}");
            Assert.False(reason.Any(char.IsControl), "a reason with a control character: " + Shorten(reason));
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static void CheckRecord(HostileValue value, ServiceInstance record)
    {
        // An accepted record is well-formed JSON of an object within the decoder's 16 levels, read independently.
        using (var document = JsonDocument.Parse(value.Value, new JsonDocumentOptions { MaxDepth = 16 }))
        {
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }

        Assert.True(EndpointRecordCodec.TryParseAddress(record.Address, out var host, out var port, out var problem), problem);
        Assert.Equal((host, port), (record.Host, record.Port));
        Assert.InRange(record.Port, 1, 65535);
        Assert.True(record.Weight > 0);
        Assert.All(record.Metadata.Keys, key => Assert.False(key.Length == 0 || EndpointMetadata.IsReservedKey(key), $"property key '{key}'"));
        if (value.Address is not null)
        {
            Assert.Equal(value.Address, record.Address);
        }

        if (value.Weight is { } weight)
        {
            Assert.Equal(weight, record.Weight);
        }

        if (value.Metadata is { } metadata)
        {
            Assert.Equal(metadata, RecordMetadata.Of(record));
        }
    }

    /// <summary>Counts and the slowest and most allocating decodes of one run, shared by CsCheck's threads.</summary>
    internal sealed class DecodeStats
    {
        private readonly Lock _gate = new();
        private int _records;
        private int _rejections;
        private TimeSpan _slowest;
        private string _slowestCase = string.Empty;
        private double _mostBytesPerByte;
        private string _mostAllocatingCase = string.Empty;
        private int _largest;

        public int Count => _records + _rejections;

        public void Add(HostileValue value, bool ok, TimeSpan elapsed, long allocated)
        {
            lock (_gate)
            {
                _ = ok ? _records++ : _rejections++;
                _largest = Math.Max(_largest, value.Value.Length);
                if (elapsed > _slowest)
                {
                    _slowest = elapsed;
                    _slowestCase = $"{value.Kind}, {value.Value.Length} bytes";
                }

                var perByte = (double)allocated / Math.Max(1, value.Value.Length);
                if (value.Value.Length >= 1024 && perByte > _mostBytesPerByte)
                {
                    _mostBytesPerByte = perByte;
                    _mostAllocatingCase = $"{value.Kind}, {value.Value.Length} bytes, {allocated} allocated";
                }
            }
        }

        public string Describe(TimeSpan total, TimeSpan cpu) => string.Create(
            CultureInfo.InvariantCulture,
            $"{Count:N0} values ({_records:N0} records, {_rejections:N0} rejections, largest {_largest:N0} bytes) in {total.TotalSeconds:0.0} s " +
            $"({cpu.TotalSeconds:0.0} s of CPU, load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown")}); " +
            $"slowest decode {_slowest.TotalMilliseconds:0.000} ms ({_slowestCase}); " +
            $"most allocated per byte (values of 1 KB or more) {_mostBytesPerByte:0.0} ({_mostAllocatingCase})");
    }
}
