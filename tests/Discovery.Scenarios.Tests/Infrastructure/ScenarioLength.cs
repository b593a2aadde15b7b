namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// How long the scenarios run. By default they run shortened so the repository's whole suite stays under 30 minutes
/// on two cores; <c>DISCOVERY_SCENARIOS=full</c> runs the lengths of the acceptance criteria (25 s rolling restart,
/// 10 remove-and-re-add rounds, 30 s etcd outage, 3 min churn), and hangs each cluster member twice instead of once.
/// Both assert the same failure bounds.
/// </summary>
internal static class ScenarioLength
{
    public static bool Full { get; } =
        string.Equals(Environment.GetEnvironmentVariable("DISCOVERY_SCENARIOS"), "full", StringComparison.OrdinalIgnoreCase);

    public static TimeSpan RollingRestart => Full ? TimeSpan.FromSeconds(25) : TimeSpan.FromSeconds(12);

    public static int ReAddRounds => Full ? 10 : 3;

    public static TimeSpan EtcdOutage => Full ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(10);

    /// <summary>How many times each member of a cluster is hung in turn.</summary>
    public static int MemberHangRounds => Full ? 2 : 1;

    public static TimeSpan Churn => Full ? TimeSpan.FromMinutes(3) : TimeSpan.FromSeconds(40);

    /// <summary>When the churn's first memory figure is taken.</summary>
    public static TimeSpan ChurnFirstMemory => Full ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(15);
}
