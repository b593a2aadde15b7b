using Discovery.Cli.Commands;

namespace Discovery.Cli.Tests.Unit;

public sealed class DurationOptionTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("00:01:30", 90_000)]
    public void TryParse_Duration_ReadsIt(string text, int milliseconds)
    {
        Assert.True(DurationOption.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("-5s")]
    public void TryParse_NotAPositiveDuration_Fails(string text) => Assert.False(DurationOption.TryParse(text, out _));
}
