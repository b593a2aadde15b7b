using Discovery.Hosting.Leasing;

namespace Discovery.Hosting.Registration;

/// <summary>What the health check reports.</summary>
/// <param name="Phase">The service's phase.</param>
/// <param name="Keeper">The lease keeper's status while it runs, else null.</param>
/// <param name="Addresses">The registered addresses.</param>
/// <param name="HealthGate">The health gate's state when it is on, else null.</param>
/// <param name="Withdrawal">The reasons holding the records out of etcd now.</param>
internal sealed record RegistrationSnapshot(
    RegistrationPhase Phase,
    LeaseKeeperStatus? Keeper,
    IReadOnlyList<string> Addresses,
    HealthGateSnapshot? HealthGate = null,
    WithdrawalReasons Withdrawal = WithdrawalReasons.None);

/// <summary>The health gate's state, for the health check.</summary>
/// <param name="Tag">The tag of the checks that decide.</param>
/// <param name="Phase">Waiting, open or closed.</param>
/// <param name="Streak">Consecutive reports against the phase.</param>
/// <param name="Failing">The checks that failed the last report, comma-separated; empty when it passed.</param>
internal sealed record HealthGateSnapshot(string Tag, HealthGatePhase Phase, int Streak, string Failing);
