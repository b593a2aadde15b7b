using System.CommandLine;
using System.Globalization;

namespace Discovery.Cli.Commands;

/// <summary>A <c>--timeout</c> option that reads <c>500ms</c>, <c>30s</c>, <c>2m</c>, a number of seconds, or <c>hh:mm:ss</c>.</summary>
internal static class DurationOption
{
    public static Option<TimeSpan> Create(string name, TimeSpan defaultValue, string description) => new(name)
    {
        Description = description,
        HelpName = "duration",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (TryParse(text, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a duration such as 500ms, 30s, 2m or 00:01:30.");
            return default;
        },
    };

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                && amount > 0)
            {
                value = TimeSpan.FromSeconds(amount * scale);
                return true;
            }
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value > TimeSpan.Zero;
    }
}
