namespace Discovery.Hosting.Leasing;

/// <summary>
/// Why a <see cref="LeaseKeeper"/>'s records are held out of etcd while its lease stays alive. The records are in
/// etcd only while no reason holds, so independent owners (the health gate, and later pause or drain from a control
/// record) each set and clear their own flag without knowing about the others.
/// </summary>
[Flags]
internal enum WithdrawalReasons
{
    /// <summary>Nothing holds the records back.</summary>
    None = 0,

    /// <summary>The application's gating health checks do not pass (see the registration's health gate).</summary>
    HealthGate = 1,
}
