using Discovery.Cli.Inspection;

namespace Discovery.Cli.Tests.Unit;

public sealed class CrossRecordChecksTests
{
    [Fact]
    public void OverlappingNames_NestedAndDashed_FlagsEachShorterName()
    {
        var findings = new List<Finding>();

        CrossRecordChecks.OverlappingNames(["echo", "echo-v2", "prod", "prod/echo", "zeta"], "", only: null, findings);

        Assert.Equal(
            [("echo", "echo-v2/"), ("prod", "prod/echo/")],
            findings.Select(f => (f.Service!, f.Key)).ToArray());
    }

    [Fact]
    public void OverlappingNames_OneServiceAsked_OnlyPairsWithIt()
    {
        var findings = new List<Finding>();

        CrossRecordChecks.OverlappingNames(["echo", "echo-v2", "prod", "prod/echo"], "", only: "prod/echo", findings);

        Assert.Equal("prod", Assert.Single(findings).Service);
    }

    [Fact]
    public void DuplicateIds_SameIdSameLease_IsOneProcessOnTwoAddresses()
    {
        var findings = new List<Finding>();

        CrossRecordChecks.DuplicateIds(
            [new("echo", "echo/a", "127.0.0.1:1", "s1", 7), new("echo", "echo/b", "127.0.0.1:2", "s1", 7)], findings);

        Assert.Empty(findings);
    }
}
