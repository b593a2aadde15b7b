using Discovery.ClientFactory.Resilience;

namespace Discovery.ClientFactory.Tests.Resilience;

public sealed class EjectionTests
{
    [Fact]
    public void Eject_InARow_DoublesTheBackoffUpToTheMaximum()
    {
        var ejection = new Ejection();
        var backoffs = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            backoffs.Add(ejection.Eject());
            ejection.Readmit();
        }

        Assert.Equal(
            [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000],
            backoffs.Select(b => (int)b.TotalMilliseconds));
    }

    [Fact]
    public void OnSucceeded_AfterReadmission_RestartsFromTheBaseBackoff()
    {
        var ejection = new Ejection();
        ejection.Eject();
        ejection.Readmit();
        ejection.Eject();
        ejection.Readmit();

        ejection.OnSucceeded();

        Assert.Equal(Ejection.BaseBackoff, ejection.Eject());
    }

    [Fact]
    public void OnSucceeded_WhileEjected_KeepsTheCount()
    {
        var ejection = new Ejection();
        ejection.Eject();

        ejection.OnSucceeded();

        Assert.Equal(1, ejection.InARow);
        Assert.True(ejection.IsEjected);
    }
}
