using System.Text;
using dotnet_etcd;
using Discovery.Testing;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Catalog;

/// <summary>
/// Limits that hold memory: a service of 50,000 records under a prefix flooded with 20,000 invalid ones is listed in
/// pages, the client keeps only the valid records (about a few hundred bytes each, printed), and its watch still sees
/// the next change.
/// </summary>
public sealed class LargeServiceTests(ITestOutputHelper output)
{
    private const int Records = 50_000;
    private const int Invalid = 20_000;

    [Fact]
    public async Task Watch_FiftyThousandRecordsAndAFloodOfInvalidOnes_KeepsOnlyTheValidOnesAndStillWatches()
    {
        await using var node = await EtcdNode.StartAsync();
        using (var root = node.CreateClient())
        {
            await PutManyAsync(root, Records, i => ($"big/10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}:5000",
                $$"""{"Op":0,"Addr":"10.{{i >> 16 & 255}}.{{i >> 8 & 255}}.{{i & 255}}:5000","Metadata":"id=s{{i}}&version=v1"}"""));
            await PutManyAsync(root, Invalid, i => ($"big/junk-{i}", i % 2 == 0 ? "not json" : new string('x', 2000)));
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        await using var services = new ServiceCollection().AddDiscoveryEtcd(o => o.Endpoints = [node.ClientUrl]).BuildServiceProvider();
        using var watch = services.GetRequiredService<IServiceCatalog>().Watch("big");
        await watch.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;

        using (var root = node.CreateClient())
        {
            await root.PutAsync("big/10.200.0.1:5000", """{"Op":0,"Addr":"10.200.0.1:5000","Metadata":"id=late"}""");
        }

        await Eventually.UntilAsync(() => watch.Current.Instances.Count == Records + 1, TimeSpan.FromSeconds(10), "the record written after the listing");
        output.WriteLine($"{Records} valid and {Invalid} invalid records: {held / 1024 / 1024} MiB held after the listing, {held / Records} B a valid record");
        Assert.True(held < 100L * 1024 * 1024, $"{held} bytes held");
    }

    private static async Task PutManyAsync(EtcdClient client, int count, Func<int, (string Key, string Value)> record)
    {
        // etcd 3.4 takes at most 128 operations per transaction (--max-txn-ops).
        for (var start = 0; start < count; start += 128)
        {
            var transaction = new TxnRequest();
            for (var i = start; i < Math.Min(count, start + 128); i++)
            {
                var (key, value) = record(i);
                transaction.Success.Add(new RequestOp
                {
                    RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(Encoding.UTF8.GetBytes(value)) },
                });
            }

            await client.TransactionAsync(transaction);
        }
    }
}
