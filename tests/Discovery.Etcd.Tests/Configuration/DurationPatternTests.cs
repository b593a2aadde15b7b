using System.Globalization;
using System.Text.RegularExpressions;
using Discovery.Testing;

namespace Discovery.Etcd.Tests.Configuration;

/// <summary>The schema's duration pattern against what the configuration binder reads (TimeSpan.Parse, invariant).</summary>
public sealed class DurationPatternTests
{
    // JSON schema patterns are ECMA-262 regular expressions.
    private static readonly Regex Pattern = new(DurationPattern.Value, RegexOptions.ECMAScript);

    [Theory]
    [InlineData("00:00:10", 0, 0, 0, 10, 0)]
    [InlineData("00:00:02.5", 0, 0, 0, 2, 500)]
    [InlineData("00:00:00.0500000", 0, 0, 0, 0, 50)]
    [InlineData("1.00:00:00", 1, 0, 0, 0, 0)]
    [InlineData("1.02:03:04.5", 1, 2, 3, 4, 500)]
    [InlineData("00:10", 0, 0, 10, 0, 0)]
    [InlineData("1:2:3", 0, 1, 2, 3, 0)]
    [InlineData("23:59:59", 0, 23, 59, 59, 0)]
    [InlineData("10", 10, 0, 0, 0, 0)]
    [InlineData("0", 0, 0, 0, 0, 0)]
    public void Pattern_FormTheBinderReads_MatchesAndMeansTheSame(string text, int days, int hours, int minutes, int seconds, int milliseconds)
    {
        Assert.Matches(Pattern, text);
        Assert.Equal(new TimeSpan(days, hours, minutes, seconds, milliseconds), TimeSpan.Parse(text, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("5s")] // a unit: the binder fails
    [InlineData("PT5S")] // ISO 8601: the binder fails
    [InlineData("00:00:60")] // the binder fails
    [InlineData("00:60:00")]
    [InlineData("00:00:00.12345678")]
    [InlineData("1.2")]
    [InlineData("00:00:05.")]
    [InlineData("-00:00:01")] // the binder reads it, every Discovery validator rejects it
    [InlineData("24:00:00")] // the binder reads 24 days (d:hh:mm): a trap
    [InlineData("1:02:03:04")] // days after a colon: left out with the trap above
    [InlineData(" 00:00:01")]
    [InlineData("")]
    public void Pattern_FormToAvoid_DoesNotMatch(string text) => Assert.DoesNotMatch(Pattern, text);

    [Fact]
    public void Pattern_GeneratedStrings_EveryMatchParsesAsANonNegativeDuration()
    {
        // Strings built from the characters a duration holds, biased towards the shapes the pattern accepts.
        var random = new Random(13);
        const string alphabet = "0123456789.:";
        var matched = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var length = random.Next(1, 20);
            var text = string.Create(length, random, (span, r) =>
            {
                for (var j = 0; j < span.Length; j++)
                {
                    span[j] = r.Next(3) == 0 ? alphabet[r.Next(10, 12)] : alphabet[r.Next(10)];
                }
            });
            if (!Pattern.IsMatch(text))
            {
                continue;
            }

            matched++;
            Assert.True(
                TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero,
                $"'{text}' matches the pattern but the binder cannot read it as a non-negative duration.");
        }

        Assert.True(matched > 1000, $"only {matched} generated strings matched: the generator misses the pattern's shapes");
    }
}
