namespace Discovery.ClientFactory.Picking;

/// <summary>
/// A hash ring with <see cref="VirtualNodes"/> points per instance, each at <see cref="StableHash"/> of
/// <c>{instance id}#{n}</c>. A key belongs to the first point at or after its hash, wrapping around. Points depend
/// only on instance ids, so adding or removing an instance moves only the keys of the arcs it gains or loses.
/// </summary>
internal sealed class ConsistentHashRing<T>
{
    /// <summary>Points per instance: enough that three instances each own within a few percent of a third.</summary>
    public const int VirtualNodes = 200;

    private readonly ulong[] _points;
    private readonly T[] _owners;

    public ConsistentHashRing(IReadOnlyList<T> members, Func<T, string> idOf)
    {
        ArgumentOutOfRangeException.ThrowIfZero(members.Count);
        var points = new List<(ulong Point, string Id, T Owner)>(members.Count * VirtualNodes);
        foreach (var member in members)
        {
            var id = idOf(member);
            for (var n = 0; n < VirtualNodes; n++)
            {
                points.Add((StableHash.Of($"{id}#{n}"), id, member));
            }
        }

        // Ties (vanishingly rare) are broken by id so the ring is the same whatever order members come in.
        points.Sort((x, y) => x.Point != y.Point ? x.Point.CompareTo(y.Point) : string.CompareOrdinal(x.Id, y.Id));
        _points = new ulong[points.Count];
        _owners = new T[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            (_points[i], _, _owners[i]) = points[i];
        }
    }

    public T Lookup(ReadOnlySpan<char> key) => LookupHash(StableHash.Of(key));

    public T LookupHash(ulong hash)
    {
        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        return _owners[index == _points.Length ? 0 : index];
    }
}
