using Discovery.Hosting.Registration;

namespace Discovery.Hosting.Tests.Registration;

public sealed class HealthGateTests
{
    [Fact]
    public void Report_FailingBeforeAnyPass_StaysWaiting()
    {
        var gate = new HealthGate(unhealthyThreshold: 3, healthyThreshold: 2);

        Assert.False(gate.Report(passing: false));
        Assert.False(gate.Report(passing: false));

        Assert.Equal(HealthGatePhase.Waiting, gate.Phase);
    }

    [Fact]
    public void Report_FirstPass_Opens()
    {
        var gate = new HealthGate(unhealthyThreshold: 3, healthyThreshold: 2);
        gate.Report(passing: false);

        Assert.True(gate.Report(passing: true));

        Assert.True(gate.IsOpen);
    }

    [Fact]
    public void Report_FailuresInARowReachThreshold_Closes()
    {
        var gate = Opened(unhealthyThreshold: 3, healthyThreshold: 2);

        Assert.False(gate.Report(passing: false));
        Assert.False(gate.Report(passing: false));
        Assert.True(gate.Report(passing: false));

        Assert.Equal(HealthGatePhase.Closed, gate.Phase);
    }

    [Fact]
    public void Report_FlappingCheck_NeitherClosesNorReopens()
    {
        var gate = Opened(unhealthyThreshold: 2, healthyThreshold: 2);
        for (var i = 0; i < 10; i++)
        {
            gate.Report(passing: i % 2 == 0);
        }

        Assert.True(gate.IsOpen);

        gate.Report(passing: false);
        gate.Report(passing: false);
        for (var i = 0; i < 10; i++)
        {
            gate.Report(passing: i % 2 == 0);
        }

        Assert.Equal(HealthGatePhase.Closed, gate.Phase);
    }

    [Fact]
    public void Report_PassesInARowAfterClosing_Reopens()
    {
        var gate = Opened(unhealthyThreshold: 1, healthyThreshold: 3);
        gate.Report(passing: false);

        Assert.False(gate.Report(passing: true));
        Assert.False(gate.Report(passing: true));
        Assert.True(gate.Report(passing: true));

        Assert.True(gate.IsOpen);
        Assert.Equal(0, gate.Streak);
    }

    private static HealthGate Opened(int unhealthyThreshold, int healthyThreshold)
    {
        var gate = new HealthGate(unhealthyThreshold, healthyThreshold);
        gate.Report(passing: true);
        return gate;
    }
}
