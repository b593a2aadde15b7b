namespace Discovery.Hosting.Leasing;

/// <summary>
/// Why a <see cref="LeaseKeeper"/>'s records are held out of etcd while its lease stays alive. The records are in
/// etcd only while no reason holds, so independent owners (the health gate, pause or drain from the control record) each set and clear their own flag without knowing about the others.
/// </summary>
[Flags]
internal enum WithdrawalReasons
{
    /// <summary>Nothing holds the records back.</summary>
    None = 0,

    /// <summary>The application's gating health checks do not pass (see the registration's health gate).</summary>
    HealthGate = 1,

    /// <summary>The instance's control record asks <c>paused</c> or <c>draining</c>.</summary>
    Paused = 2,

    /// <summary>The control record has not been read yet: a paused instance must not register for a moment at start.</summary>
    ControlPending = 4,
}
