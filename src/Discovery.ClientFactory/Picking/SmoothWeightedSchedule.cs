using System.Numerics;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// One period of nginx's smooth weighted round robin, computed once so that picking reads one entry. nginx adds
/// every instance's weight to its running score, picks the highest score (the first instance on a tie) and takes
/// the total weight off it: over every window of total-weight picks each instance gets exactly its weight,
/// interleaved rather than in bursts. The order repeats after total weight / gcd picks: that is the period.
/// </summary>
internal static class SmoothWeightedSchedule
{
    /// <summary>
    /// The longest period kept. 2^16 entries (256 KiB of indexes) quantise each instance's share to 1/65,536 of all
    /// picks (0.0015 %) and bound the build (see <see cref="Interleave"/>): 0.12 s for the worst weights, 25 ms for
    /// 5,000 instances of weights 100 to 1,000, measured on a 2-core box at load average 40. A longer exact period
    /// only arises from large co-prime weights, or many instances of varied weights: those are scaled down
    /// (<see cref="Apportion"/>).
    /// </summary>
    public const int MaxPeriod = 1 << 16;

    // Below this many weight groups a plain loop beats the vector pass and its search (which took 1.5 to 2x as long
    // with 1 to 3 groups).
    private static readonly int ScalarGroups = 4 * Vector<long>.Count;

    /// <summary>The schedule for <paramref name="weights"/> (each positive): one period of instance indexes.</summary>
    public static int[] Build(ReadOnlySpan<int> weights)
    {
        ArgumentOutOfRangeException.ThrowIfZero(weights.Length);
        return Interleave(PeriodWeights(weights));
    }

    /// <summary>
    /// The weights divided by their gcd, which changes nothing in nginx's order (every score scales alike) and gives
    /// the shortest period; scaled down to <see cref="MaxPeriod"/> first when that period is still longer.
    /// </summary>
    private static int[] PeriodWeights(ReadOnlySpan<int> weights)
    {
        if (weights.Length >= MaxPeriod)
        {
            // Not one slot per instance left for the weights to share out: plain round robin, weights ignored.
            var ones = new int[weights.Length];
            Array.Fill(ones, 1);
            return ones;
        }

        long total = 0;
        var gcd = 0;
        foreach (var weight in weights)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weight);
            total += weight;
            gcd = Gcd(gcd, weight);
        }

        var periodWeights = total / gcd > MaxPeriod ? Apportion(weights, total, MaxPeriod) : weights.ToArray();
        gcd = 0;
        foreach (var weight in periodWeights)
        {
            gcd = Gcd(gcd, weight);
        }

        for (var i = 0; i < periodWeights.Length; i++)
        {
            periodWeights[i] /= gcd;
        }

        return periodWeights;
    }

    /// <summary>
    /// Shares <paramref name="slots"/> out in proportion to the weights, every instance keeping at least one
    /// (largest remainders: each gets the floor or the ceiling of its exact number of slots, and the counts sum to
    /// <paramref name="slots"/>).
    /// </summary>
    /// <remarks>
    /// The error this costs: an instance's share of the picks is within 1/<paramref name="slots"/> of its exact share
    /// (1/65,536: 0.0015 % of all picks), unless some instances weigh less than one slot. Those get one slot, more
    /// than their exact share by less than one slot each, and the others give that surplus up in proportion to their
    /// weights. Relative to an instance's own share, that is up to 1/s for an instance worth s slots: small for a
    /// few instances, 1/13 (8 %) for an average one of 5,000 instances. With 5,000 instances of weights 100 to 1,000
    /// no instance is raised (the lightest is worth 2.4 slots); with one of weight 1,000,000 among 4,999 of weight 1,
    /// the heavy one gets 92.4 % of the picks instead of 99.5 %: keeping every instance in the order is worth that.
    /// </remarks>
    private static int[] Apportion(ReadOnlySpan<int> weights, long totalWeight, int slots)
    {
        var scaled = new int[weights.Length];
        var byWeight = new int[weights.Length];
        for (var i = 0; i < byWeight.Length; i++)
        {
            byWeight[i] = i;
        }

        var keys = weights.ToArray();
        Array.Sort(keys, byWeight);

        // Raising a light instance to one slot leaves fewer slots for the rest, which may push the next one under a
        // slot: lightest first, until one is worth a slot. Products stay below 2^31 * 2^16 = 2^47: no overflow.
        long restWeight = totalWeight;
        long restSlots = slots;
        var first = 0;
        while (first < byWeight.Length && weights[byWeight[first]] * restSlots < restWeight)
        {
            scaled[byWeight[first]] = 1;
            restSlots--;
            restWeight -= weights[byWeight[first]];
            first++;
        }

        var remainders = new long[weights.Length];
        var rest = byWeight[first..];
        var given = 0L;
        foreach (var i in rest)
        {
            var exact = weights[i] * restSlots;
            scaled[i] = (int)(exact / restWeight);
            remainders[i] = exact % restWeight;
            given += scaled[i];
        }

        // The slots the floors left over (fewer than the instances) go to the largest remainders, lower index first.
        Array.Sort(rest, (x, y) => remainders[x] != remainders[y] ? remainders[y].CompareTo(remainders[x]) : x.CompareTo(y));
        for (var j = 0; j < restSlots - given; j++)
        {
            scaled[rest[j]]++;
        }

        return scaled;
    }

    /// <summary>
    /// nginx's order, step by step, exactly (ties included). Instances of equal weight always have equal scores but
    /// for how many picks each had, so nginx takes them in index order, round after round: they form one group whose
    /// score is that of its next member. A step compares groups, not instances: O(period x distinct weights).
    /// Distinct positive weights summing to at most 2^16 number at most 361, so the worst case is under 24 million
    /// compares (four to a vector instruction) whatever the fleet size; a handful of weight classes costs a few a step.
    /// </summary>
    /// <remarks>
    /// No heap can do this step: scores grow at different rates, so their order changes between picks, not only
    /// when an instance is picked. A heap of per-pick deadlines (stride scheduling) interleaves as well but is not
    /// nginx's order (with passes starting at half a stride it gives a,a,a,b,c,a,a for 5:1:1).
    /// </remarks>
    private static int[] Interleave(int[] weights)
    {
        var period = 0;
        foreach (var weight in weights)
        {
            period += weight;
        }

        var members = new int[weights.Length];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = i;
        }

        // Sorted by weight, then index (the sort of parallel arrays is not stable, so sort the pairs themselves).
        Array.Sort(members, (x, y) => weights[x] != weights[y] ? weights[x].CompareTo(weights[y]) : x.CompareTo(y));
        var groupWeight = new long[members.Length];
        var groupStart = new int[members.Length + 1];
        var groups = 0;
        for (var i = 0; i < members.Length; i++)
        {
            if (i == 0 || weights[members[i]] != weights[members[i - 1]])
            {
                groupWeight[groups] = weights[members[i]];
                groupStart[groups++] = i;
            }
        }

        groupStart[groups] = members.Length;

        // A group's score at step t is t * weight - period * (full rounds it has been picked), the same for all its
        // members but the ones already picked this round; its next member is the one the score belongs to. One long
        // holds both, the score in the high half (|score| < 2 * period) and the next member's rank in the low half, so
        // the highest key is nginx's choice, ties to the lower index included. A step adds every group's weight and
        // takes the highest key: with many groups in one vectorised pass and a vectorised search for that key.
        var keys = new long[groups];
        var steps = new long[groups];
        var next = new int[groups];
        for (var g = 0; g < groups; g++)
        {
            keys[g] = Rank(members[groupStart[g]]);
            steps[g] = groupWeight[g] << 32;
        }

        var schedule = new int[period];
        for (var t = 0; t < period; t++)
        {
            var best = groups < ScalarGroups ? ScalarStep(keys, steps, groups) : VectorStep(keys, steps, groups);
            schedule[t] = members[groupStart[best] + next[best]];
            var score = keys[best] >> 32;
            if (++next[best] == groupStart[best + 1] - groupStart[best])
            {
                next[best] = 0;
                score -= period;
            }

            keys[best] = (score << 32) | Rank(members[groupStart[best] + next[best]]);
        }

        return schedule;
    }

    private static int ScalarStep(long[] keys, long[] steps, int groups)
    {
        var best = 0;
        keys[0] += steps[0];
        for (var g = 1; g < groups; g++)
        {
            keys[g] += steps[g];
            if (keys[g] > keys[best])
            {
                best = g;
            }
        }

        return best;
    }

    private static int VectorStep(long[] keys, long[] steps, int groups)
    {
        var width = Vector<long>.Count;
        var g = 0;
        var highest = new Vector<long>(long.MinValue);
        for (; g <= groups - width; g += width)
        {
            var key = new Vector<long>(keys, g) + new Vector<long>(steps, g);
            key.CopyTo(keys, g);
            highest = Vector.Max(highest, key);
        }

        var max = long.MinValue;
        for (var lane = 0; lane < width; lane++)
        {
            max = Math.Max(max, highest[lane]);
        }

        for (; g < groups; g++)
        {
            keys[g] += steps[g];
            max = Math.Max(max, keys[g]);
        }

        return keys.AsSpan(0, groups).IndexOf(max);
    }

    /// <summary>Higher for a lower instance index, below 2^31: the low half of a key.</summary>
    private static long Rank(int member) => int.MaxValue - member;

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
