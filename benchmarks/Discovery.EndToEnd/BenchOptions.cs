namespace Discovery.EndToEnd;

/// <summary>
/// The bench's settings, bound from the command line (<c>--Rounds 3</c>, <c>--Sections throughput,scale</c>).
/// </summary>
internal sealed class BenchOptions
{
    /// <summary>Which sections run: throughput, propagation, scale, registration, picks, subsetting.</summary>
    public string Sections { get; set; } = "throughput,propagation,scale,registration,picks,subsetting";

    /// <summary>Throughput rounds per variant (A B C D E, then rotated).</summary>
    public int Rounds { get; set; } = 5;

    public double RoundSeconds { get; set; } = 2;

    /// <summary>The variants take turns in slices of this length within a round.</summary>
    public double SliceSeconds { get; set; } = 0.5;

    public int Concurrency { get; set; } = 8;

    public int PropagationTrials { get; set; } = 200;

    public string Instances { get; set; } = "50,500,5000,20000";

    public int ScaleRounds { get; set; } = 3;

    public int ChangeTrials { get; set; } = 10;

    /// <summary>The largest service the balancer columns of the scale section run at (a subchannel and a TCP connection each).</summary>
    public int BalancerMaxInstances { get; set; } = 5000;

    public int RegistrationTrials { get; set; } = 5;

    /// <summary>Pick-cost rounds (each picker at 3, 100, 5,000 instances, then 5,000, 100, 3).</summary>
    public int PickRounds { get; set; } = 10;

    /// <summary>About how long one pick-cost sample (a loop of many picks) lasts.</summary>
    public double PickSampleMilliseconds { get; set; } = 50;

    /// <summary>Where the chart goes (SVG), relative to the repository root; empty for none.</summary>
    public string Chart { get; set; } = "docs/performance-scale.svg";

    /// <summary>Also a PNG of the chart, at this path (none by default).</summary>
    public string ChartPng { get; set; } = "";

    public IReadOnlyList<int> InstanceCounts =>
        [.. Instances.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Whether a section that needs etcd and EchoServer processes runs (picks and subsetting need none).</summary>
    public bool RunsProcesses => new[] { "throughput", "propagation", "scale", "registration" }.Any(Runs);

    public bool Runs(string section) => Sections.Split(',', StringSplitOptions.TrimEntries).Contains(section, StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Validate()
    {
        if (Rounds < 1) yield return "--Rounds must be at least 1";
        if (RoundSeconds <= 0) yield return "--RoundSeconds must be positive";
        if (SliceSeconds <= 0) yield return "--SliceSeconds must be positive";
        if (Concurrency < 1) yield return "--Concurrency must be at least 1";
        if (PropagationTrials < 1) yield return "--PropagationTrials must be at least 1";
        if (ScaleRounds < 1) yield return "--ScaleRounds must be at least 1";
        if (ChangeTrials < 1) yield return "--ChangeTrials must be at least 1";
        if (PickRounds < 1) yield return "--PickRounds must be at least 1";
        if (PickSampleMilliseconds <= 0) yield return "--PickSampleMilliseconds must be positive";
        if (RegistrationTrials < 1) yield return "--RegistrationTrials must be at least 1";
        if (!Instances.Split(',').All(s => int.TryParse(s.Trim(), out var n) && n > 0)) yield return "--Instances must be a comma-separated list of positive counts";
    }
}
