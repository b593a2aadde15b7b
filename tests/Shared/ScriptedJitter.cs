using Discovery.Etcd.Retry;

namespace Discovery.Testing.Fakes;

/// <summary>A jitter source that replays given draws, then repeats the last one, and counts the draws taken.</summary>
internal sealed class ScriptedJitter(params double[] draws) : IJitterSource
{
    /// <summary>Always draws 0: every pause is its ceiling.</summary>
    public static ScriptedJitter None => new(0);

    /// <summary>The highest draw below 1: every pause is as short as the jitter allows.</summary>
    public static ScriptedJitter Highest => new(Math.BitDecrement(1.0));

    public int Draws { get; private set; }

    public double NextFraction() => draws[Math.Min(Draws++, draws.Length - 1)];
}
