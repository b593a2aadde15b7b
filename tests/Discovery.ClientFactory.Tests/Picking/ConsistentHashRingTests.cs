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
}
