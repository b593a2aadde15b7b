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

    // Where each range of hashes (by their top bits) starts in _points, plus the end: a lookup scans the one or two
    // points of its range rather than binary-searching the whole ring (600 points for three instances).
    private readonly int[] _rangeStarts;
    private readonly int _rangeShift;

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

        var rangeBits = Math.Max(1, 64 - (int)ulong.LeadingZeroCount((ulong)_points.Length - 1));
        _rangeShift = 64 - rangeBits;
        _rangeStarts = new int[(1 << rangeBits) + 1];
        var index = 0;
        for (var range = 0; range < _rangeStarts.Length - 1; range++)
        {
            while (index < _points.Length && (int)(_points[index] >> _rangeShift) < range)
            {
                index++;
            }

            _rangeStarts[range] = index;
        }

        _rangeStarts[^1] = _points.Length;
    }

    public T Lookup(ReadOnlySpan<char> key) => LookupHash(StableHash.Of(key));

    public T LookupHash(ulong hash)
    {
        var range = (int)(hash >> _rangeShift);
        var index = _rangeStarts[range];
        var end = _rangeStarts[range + 1];
        while (index < end && _points[index] < hash)
        {
            index++;
        }

        // Past the last point of its range, a key belongs to the next range's first point, or wraps to the ring's first.
        return _owners[index == _points.Length ? 0 : index];
    }
}
