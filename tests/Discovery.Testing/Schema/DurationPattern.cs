namespace Discovery.Testing;

/// <summary>
/// The JSON schema pattern of a <see cref="TimeSpan"/> option: the forms the configuration binder reads
/// (<see cref="TimeSpan.Parse(string, IFormatProvider)"/> with the invariant culture) that a person writes for a
/// non-negative duration.
/// </summary>
/// <remarks>
/// Accepted: <c>d</c> (days, <c>10</c> is ten days), <c>hh:mm</c>, <c>hh:mm:ss</c>, <c>hh:mm:ss.fffffff</c>, each
/// optionally after <c>d.</c> (<c>1.00:00:00</c>), hours 0 to 23, minutes and seconds 0 to 59, up to seven fraction
/// digits and seven day digits. Left out, although the binder reads them: a sign (every Discovery validator rejects a
/// negative duration), white space around the value, more than two digits in an hour, minute or second
/// (<c>000:00:01</c>), and days written with a colon (<c>1:02:03:04</c>), since allowing them lets <c>24:00:00</c>
/// through, which the binder reads as 24 days. Every value the pattern accepts parses (a test checks it on generated
/// strings).
/// </remarks>
public static class DurationPattern
{
    /// <summary>The pattern, anchored, in the ECMA-262 dialect JSON schema uses.</summary>
    public const string Value = @"^(\d{1,7}|(\d{1,7}\.)?([01]?\d|2[0-3]):[0-5]?\d(:[0-5]?\d(\.\d{1,7})?)?)$";
}
