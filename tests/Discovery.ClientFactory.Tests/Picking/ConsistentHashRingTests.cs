using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class ConsistentHashRingTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 1000).Select(i => $"customer-{i}")];

    [Fact]
    public void Lookup_SameKey_SameMemberWhateverTheMemberOrder()
    {
        var ring = new ConsistentHashRing<string>(["s1", "s2", "s3"], id => id);
        var reordered = new ConsistentHashRing<string>(["s3", "s1", "s2"], id => id);

        Assert.All(Keys, key => Assert.Equal(ring.Lookup(key), reordered.Lookup(key)));
    }

    [Fact]
    public void Lookup_1000KeysOver3Members_EachWithin25PercentOfEven()
    {
        var ring = new ConsistentHashRing<string>(["s1", "s2", "s3"], id => id);

        var counts = Keys.GroupBy(key => ring.Lookup(key)).ToDictionary(g => g.Key, g => g.Count());

        Assert.All(new[] { "s1", "s2", "s3" }, id => Assert.InRange(counts.GetValueOrDefault(id), 250, 417));
    }

    [Fact]
    public void Lookup_FourthMemberAdded_MovesOnlyKeysToIt()
    {
        var before = new ConsistentHashRing<string>(["s1", "s2", "s3"], id => id);
        var after = new ConsistentHashRing<string>(["s1", "s2", "s3", "s4"], id => id);

        var moved = Keys.Where(key => before.Lookup(key) != after.Lookup(key)).ToList();

        Assert.All(moved, key => Assert.Equal("s4", after.Lookup(key)));
        Assert.InRange(moved.Count, 150, 350);
    }

    [Fact]
    public void Lookup_MemberRemoved_MovesOnlyItsKeys()
    {
        var before = new ConsistentHashRing<string>(["s1", "s2", "s3"], id => id);
        var after = new ConsistentHashRing<string>(["s1", "s3"], id => id);

        var moved = Keys.Where(key => before.Lookup(key) != after.Lookup(key));

        Assert.All(moved, key => Assert.Equal("s2", before.Lookup(key)));
    }

    [Fact]
    public void StableHash_KnownInput_MatchesTheDocumentedFunction()
    {
        // 64-bit FNV-1a over UTF-8, then MurmurHash3's fmix64, computed independently: changing the function
        // would move every key of every deployed client.
        Assert.Equal(0xadf92b537b08cddaUL, StableHash.Of("customer-1"));
    }

    [Fact]
    public void StableHash_NonAsciiInput_HashesItsUtf8Bytes()
    {
        Assert.Equal(0x24bc4c3debf00ca0UL, StableHash.Of("clé-1"));
    }

    [Fact]
    public void LookupHash_AnyHash_IsTheOwnerOfTheFirstPointAtOrAfterIt()
    {
        string[] ids = ["s1", "s2", "s3", "s4", "s5"];
        var ring = new ConsistentHashRing<string>(ids, id => id);
        var points = ids
            .SelectMany(id => Enumerable.Range(0, ConsistentHashRing<string>.VirtualNodes).Select(n => (Point: StableHash.Of($"{id}#{n}"), Id: id)))
            .OrderBy(p => p.Point).ThenBy(p => p.Id, StringComparer.Ordinal)
            .ToList();
        var random = new Random(7);
        var hashes = points.SelectMany(p => new[] { p.Point - 1, p.Point, p.Point + 1 })
            .Concat([0UL, ulong.MaxValue, points[^1].Point + 1])
            .Concat(Enumerable.Range(0, 10_000).Select(_ => (ulong)random.NextInt64() << 1));

        foreach (var hash in hashes)
        {
            var expected = points.FirstOrDefault(p => p.Point >= hash, points[0]).Id;
            Assert.True(expected == ring.LookupHash(hash), $"hash {hash:x16}");
        }
    }
}
