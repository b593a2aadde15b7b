using System.Text;
using CsCheck;
using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Discovery.Etcd.Tests.Records;
using Discovery.Etcd.Watching;
using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>
/// Hostile record values written to a real etcd under a watched service: the watcher keeps exactly the records it
/// can read, skips the others once each with a warning and the counter, and keeps watching.
/// </summary>
public sealed class PrefixWatcherHostileRecordTests(EtcdNodeFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdNodeFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Watch_RecordOverMaxRecordBytes_IsSkippedWithOneWarningAndCountAndWatchingGoesOn()
    {
        var prefix = NewPrefix();
        await using var watcher = WatcherUnderTest.Start(etcd.Node.ClientUrl, "sized", output, keyPrefix: prefix, configure: o => o.MaxRecordBytes = 4096);
        using var writer = watcher.ConnectTo(etcd.Node.ClientUrl);
        await watcher.WaitSyncedAsync();

        // A record the decoder would read, but one byte over the limit.
        await ServiceRecords.PutRawAsync(writer, prefix + "sized/10.0.0.1:80", Padded("10.0.0.1:80", 4097));
        await ServiceRecords.PutAsync(writer, "sized", "10.0.0.2:80");

        await Eventually.UntilAsync(() => Addresses(watcher) == "10.0.0.2:80", Deadline, "the valid record, without the huge one");
        Assert.Equal(1, watcher.Counter(WatchMetrics.SkippedRecordsName));
        var warning = Assert.Single(watcher.Logs.Entries, e => e.EventName == "RecordSkipped");
        Assert.Contains("4097 bytes, over the 4096 byte limit (Discovery:Etcd:MaxRecordBytes)", warning.Message, StringComparison.Ordinal);

        await ServiceRecords.PutAsync(writer, "sized", "10.0.0.3:80");
        await ServiceRecords.PutRawAsync(writer, prefix + "sized/10.0.0.1:80", Padded("10.0.0.1:80", 4096));
        await Eventually.UntilAsync(() => Addresses(watcher) == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80", Deadline, "later writes, and the huge record once it fits");
        Assert.Equal(1, watcher.Counter(WatchMetrics.SkippedRecordsName));
        Assert.Null(watcher.Watcher.Current.Problem);
    }

    [Fact]
    public async Task Watch_GeneratedHostileValuesAmongValidRecords_KeepsExactlyTheReadableOnesAndNeverStops()
    {
        // One sample of 300 values from every generator; a failure prints its seed (CsCheck_Seed replays it).
        await HostileRecords.Any.Array[300].SampleAsync(
            WatchHostileMixAsync,
            iter: 1,
            threads: 1,
            print: values => string.Join(", ", values.GroupBy(v => v.Kind).Select(g => $"{g.Count()} {g.Key}")));
    }

    private async Task WatchHostileMixAsync(HostileValue[] hostile)
    {
        var prefix = NewPrefix();
        using var writer = new EtcdConnection(new EtcdOptions { Endpoints = [etcd.Node.ClientUrl], KeyPrefix = prefix });
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        var rejected = 0;
        async Task WriteAsync(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                await ServiceRecords.PutRawAsync(writer, $"{prefix}hostile/bad-{i}", hostile[i].Value);
                if (EndpointRecordCodec.TryDecode(hostile[i].Value, out var record, out _))
                {
                    expected.Add(record.Address);
                }
                else
                {
                    rejected++;
                }

                var address = $"10.250.{i / 200}.{i % 200 + 1}:9000";
                await ServiceRecords.PutAsync(writer, "hostile", address, name: i % 2 == 0 ? address : $"go-{i}", format: (RecordMetadataFormat)(i % 2));
                expected.Add(address);
                if (i % 50 == 0)
                {
                    // Keys of services whose names extend this one's: never part of its view.
                    await ServiceRecords.PutAsync(writer, "hostile-v2", $"10.251.0.{i / 50 + 1}:9000");
                    await ServiceRecords.PutAsync(writer, "hostile/sub", $"10.252.0.{i / 50 + 1}:9000");
                }
            }
        }

        // Half reach the watcher in its first listing, half as watch events.
        await WriteAsync(0, hostile.Length / 2);
        await using var watcher = WatcherUnderTest.Start(etcd.Node.ClientUrl, "hostile", output, keyPrefix: prefix);
        await watcher.WaitSyncedAsync(seconds: 15);
        await WriteAsync(hostile.Length / 2, hostile.Length);

        var expectedAddresses = string.Join(',', expected);
        await Eventually.UntilAsync(() => Addresses(watcher) == expectedAddresses, Deadline, $"exactly the {expected.Count} readable records");
        Assert.Equal(rejected, watcher.Counter(WatchMetrics.SkippedRecordsName));
        Assert.Equal(rejected, watcher.Logs.Count("RecordSkipped"));

        await ServiceRecords.PutAsync(writer, "hostile", "10.253.0.1:9000");
        await Eventually.UntilAsync(() => watcher.Watcher.Current.Instances.Any(e => e.Address == "10.253.0.1:9000"), Deadline, "a later valid write");
        Assert.Null(watcher.Watcher.Current.Problem);
        output.WriteLine($"{hostile.Length} hostile values: {hostile.Length - rejected} read as records, {rejected} skipped; {expected.Count} endpoints");
    }

    // A valid record whose value is exactly `size` bytes, padded by an unknown field.
    private static byte[] Padded(string address, int size)
    {
        var start = $$"""{"Addr":"{{address}}","pad":" """;
        var value = Encoding.UTF8.GetBytes(start + new string('x', size - start.Length - 2) + "\"}");
        Assert.Equal(size, value.Length);
        return value;
    }

    private static string NewPrefix() => $"h{Guid.NewGuid():N}"[..9] + "/";

    private static string Addresses(WatcherUnderTest watcher) =>
        string.Join(',', watcher.Watcher.Current.Instances.Select(e => e.Address));
}
