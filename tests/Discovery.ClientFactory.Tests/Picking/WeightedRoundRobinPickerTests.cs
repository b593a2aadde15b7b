using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Picking;

public sealed class WeightedRoundRobinPickerTests
{
    [Fact]
    public void Pick_Weights123_EachWindowOfSixFollowsTheWeights()
    {
        var picker = new WeightedRoundRobinPicker(Weighted(1, 2, 3), new RoundRobinCursor(-1));

        for (var window = 0; window < 10; window++)
        {
            var counts = Enumerable.Range(0, 6).Select(_ => picker.Pick(null, 0).Id).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(1, counts["a"]);
            Assert.Equal(2, counts["b"]);
            Assert.Equal(3, counts["c"]);
        }
    }

    [Fact]
    public void Pick_Weights511_InterleavesRatherThanBursts()
    {
        var picker = new WeightedRoundRobinPicker(Weighted(5, 1, 1), new RoundRobinCursor(-1));

        var picks = string.Concat(Enumerable.Range(0, 14).Select(_ => picker.Pick(null, 0).Id));

        // nginx's documented smooth sequence for weights 5, 1, 1, twice.
        Assert.Equal("aabacaaaabacaa", picks);
    }

    [Fact]
    public void Build_ManyWeightSets_SameOrderAsNginxStepByStep()
    {
        var random = new Random(12);
        for (var set = 0; set < 300; set++)
        {
            // Few distinct weights half the time, so groups of equal weight (and their ties) are exercised.
            var distinct = set % 2 == 0 ? 3 : 40;
            var weights = Enumerable.Range(0, random.Next(1, 13)).Select(_ => random.Next(1, distinct + 1) * 7).ToArray();

            var schedule = SmoothWeightedSchedule.Build(weights);

            Assert.Equal(NginxOrder(weights, weights.Sum() / Gcd(weights)), schedule);
        }
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3 })]
    [InlineData(new[] { 5, 1, 1 })]
    [InlineData(new[] { 100, 100, 300, 7, 1 })]
    [InlineData(new[] { 13, 8, 5, 3, 2, 1, 1 })]
    public void Pick_AnyWindow_NoInstanceAboveItsShareRoundedUpPlusOne(int[] weights)
    {
        var endpoints = Weighted(weights);
        var picker = new WeightedRoundRobinPicker(endpoints, new RoundRobinCursor(-1));
        var total = weights.Sum();
        var picks = 3 * total;
        // picked[i][p]: how many times instance i was picked in the first p picks.
        var picked = weights.Select(_ => new int[picks + 1]).ToArray();
        for (var p = 0; p < picks; p++)
        {
            var chosen = endpoints.IndexOf(picker.Pick(null, 0));
            for (var i = 0; i < weights.Length; i++)
            {
                picked[i][p + 1] = picked[i][p] + (i == chosen ? 1 : 0);
            }
        }

        for (var length = 1; length <= 2 * total; length++)
        {
            for (var start = 0; start + length <= picks; start++)
            {
                for (var i = 0; i < weights.Length; i++)
                {
                    var count = picked[i][start + length] - picked[i][start];
                    var bound = (int)Math.Ceiling((double)weights[i] * length / total) + 1;
                    if (count > bound)
                    {
                        Assert.Fail($"instance {i} (weight {weights[i]}) picked {count} times in picks [{start}, {start + length}), bound {bound}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Pick_EightThreadsOverWholePeriods_SharesExact()
    {
        const int Threads = 8;
        const int PicksPerThread = 6 * 5_000;
        var endpoints = Weighted(1, 2, 3);
        var picker = new WeightedRoundRobinPicker(endpoints, new RoundRobinCursor(12345));
        var counts = new int[Threads, endpoints.Count];
        using var start = new Barrier(Threads);

        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var p = 0; p < PicksPerThread; p++)
            {
                counts[t, endpoints.IndexOf(picker.Pick(null, 0))]++;
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        // Every pick took its own cursor position and the positions are consecutive: whole periods, exact shares.
        var totals = Enumerable.Range(0, endpoints.Count).Select(i => Enumerable.Range(0, Threads).Sum(t => counts[t, i])).ToArray();
        var periods = Threads * PicksPerThread / 6;
        Assert.Equal([periods * 1, periods * 2, periods * 3], totals);
    }

    [Fact]
    public void Pick_RebuiltOnTheSameCursor_CarriesOnInsteadOfRestarting()
    {
        var endpoints = Weighted(5, 1, 1);
        var cursor = new RoundRobinCursor(-1);

        var before = new WeightedRoundRobinPicker(endpoints, cursor);
        var first = string.Concat(before.Pick(null, 0).Id, before.Pick(null, 0).Id);
        var rebuilt = new WeightedRoundRobinPicker(endpoints, cursor);
        var after = string.Concat(Enumerable.Range(0, 5).Select(_ => rebuilt.Pick(null, 0).Id));

        // Restarting would give "a" third, and rebuilding after every pick or two would give a only.
        Assert.Equal("aabacaa", first + after);
    }

    [Fact]
    public void Pick_AfterWarmUp_AllocatesNothing()
    {
        var picker = new WeightedRoundRobinPicker(Weighted(5, 1, 1), new RoundRobinCursor(-1));
        for (var p = 0; p < 100; p++)
        {
            picker.Pick(null, 0);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var p = 0; p < 10_000; p++)
        {
            picker.Pick(null, 0);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Build_HugeCoPrimeWeights_PeriodCappedAndEachShareWithinOneSlot()
    {
        int[] weights = [int.MaxValue, int.MaxValue - 1, 1_000_003, 999_983, 65_537, 7];
        var total = weights.Sum(w => (long)w);

        var slot = 1.0 / SmoothWeightedSchedule.MaxPeriod;
        // 7 and 65,537 are each worth less than one slot: both are raised to one, and the others give those slots up
        // in proportion to their weights, so each other share is within one slot plus its part of the raised slots.
        var raised = weights.Count(w => (double)w / total < slot);

        var schedule = SmoothWeightedSchedule.Build(weights);

        Assert.Equal(2, raised);
        Assert.InRange(schedule.Length, 1, SmoothWeightedSchedule.MaxPeriod);
        for (var i = 0; i < weights.Length; i++)
        {
            var share = (double)schedule.Count(e => e == i) / schedule.Length;
            var exact = (double)weights[i] / total;
            var bound = exact < slot ? slot : slot * (1 + (raised * exact));
            Assert.True(Math.Abs(share - exact) < bound, $"instance {i}: share {share}, exact {exact}, bound {bound}");
        }
    }

    [Fact]
    public void Build_InstancesWorthUnderOneSlot_EachKeepsOneSlot()
    {
        int[] weights = [1_000_000, .. Enumerable.Repeat(1, 4_999)];

        var schedule = SmoothWeightedSchedule.Build(weights);

        // The figures the cap's documentation quotes: 92.4 % for the heavy instance instead of 99.5 %.
        Assert.Equal(SmoothWeightedSchedule.MaxPeriod, schedule.Length);
        Assert.Equal(SmoothWeightedSchedule.MaxPeriod - 4_999, schedule.Count(e => e == 0));
        Assert.All(Enumerable.Range(1, 4_999), i => Assert.Equal(1, schedule.Count(e => e == i)));
    }

    [Fact]
    public void Build_CappedPeriod_StillInterleavesLikeNginx()
    {
        int[] weights = [1_000_003, 999_983, 2_000_003];

        var schedule = SmoothWeightedSchedule.Build(weights);

        // Scaled weights keep nginx's order for the scaled weights: the cap changes shares, never smoothness.
        var scaled = Enumerable.Range(0, weights.Length).Select(i => schedule.Count(e => e == i)).ToArray();
        Assert.Equal(NginxOrder(scaled, schedule.Length), schedule);
    }

    private static List<Endpoint> Weighted(params int[] weights) =>
        [.. weights.Select((weight, i) => TestEndpoints.Create(((char)('a' + i)).ToString(), weight: weight))];

    /// <summary>nginx's algorithm as nginx runs it, one pick at a time, for comparison.</summary>
    private static int[] NginxOrder(int[] weights, int picks)
    {
        var current = new long[weights.Length];
        long total = weights.Sum();
        var order = new int[picks];
        for (var p = 0; p < picks; p++)
        {
            var best = 0;
            for (var i = 0; i < weights.Length; i++)
            {
                current[i] += weights[i];
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            order[p] = best;
        }

        return order;
    }

    private static int Gcd(int[] weights) => weights.Aggregate(0, (a, b) => (int)System.Numerics.BigInteger.GreatestCommonDivisor(a, b));
}
