namespace Discovery.Hosting.Registration;

/// <summary>Where the health gate stands.</summary>
internal enum HealthGatePhase
{
    /// <summary>No report has passed yet: the records have never been written.</summary>
    Waiting = 0,

    /// <summary>The checks pass (or failed fewer times in a row than the threshold): the records belong in etcd.</summary>
    Open = 1,

    /// <summary>The checks failed the threshold's number of times in a row: the records are withdrawn until they pass again.</summary>
    Closed = 2,
}

/// <summary>
/// The health gate's hysteresis, pure state: the first passing report opens it, <c>unhealthyThreshold</c> failing
/// reports in a row close it, <c>healthyThreshold</c> passing reports in a row open it again. A report against the
/// trend resets the streak, so a flapping check moves nothing.
/// </summary>
internal sealed class HealthGate(int unhealthyThreshold, int healthyThreshold)
{
    public HealthGatePhase Phase { get; private set; } = HealthGatePhase.Waiting;

    /// <summary>Consecutive reports against the current phase (failures while open, passes while closed).</summary>
    public int Streak { get; private set; }

    /// <summary>True while the records belong in etcd.</summary>
    public bool IsOpen => Phase == HealthGatePhase.Open;

    /// <summary>Counts one report; returns true when it changed <see cref="Phase"/>.</summary>
    public bool Report(bool passing)
    {
        var before = Phase;
        switch (Phase)
        {
            case HealthGatePhase.Waiting:
                // A starting instance registers on its first passing report: waiting for more only delays a start.
                if (passing)
                {
                    Phase = HealthGatePhase.Open;
                }

                break;
            case HealthGatePhase.Open:
                Streak = passing ? 0 : Streak + 1;
                if (Streak >= unhealthyThreshold)
                {
                    Phase = HealthGatePhase.Closed;
                }

                break;
            default:
                Streak = passing ? Streak + 1 : 0;
                if (Streak >= healthyThreshold)
                {
                    Phase = HealthGatePhase.Open;
                }

                break;
        }

        if (Phase != before)
        {
            Streak = 0;
            return true;
        }

        return false;
    }
}
