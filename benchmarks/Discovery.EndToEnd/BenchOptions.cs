namespace Discovery.EndToEnd;

/// <summary>
/// The bench's settings, bound from the command line (<c>--Rounds 3</c>, <c>--Sections throughput,scale</c>).
/// </summary>
internal sealed class BenchOptions
{
    /// <summary>Which sections run: throughput, propagation, scale, registration.</summary>
    public string Sections { get; set; } = "throughput,propagation,scale,registration";

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

    /// <summary>Where the chart goes (SVG), relative to the repository root; empty for none.</summary>
    public string Chart { get; set; } = "docs/performance-scale.svg";

    /// <summary>Also a PNG of the chart, at this path (none by default).</summary>
    public string ChartPng { get; set; } = "";

    public IReadOnlyList<int> InstanceCounts =>
        [.. Instances.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];

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
        if (RegistrationTrials < 1) yield return "--RegistrationTrials must be at least 1";
        if (!Instances.Split(',').All(s => int.TryParse(s.Trim(), out var n) && n > 0)) yield return "--Instances must be a comma-separated list of positive counts";
    }
}
