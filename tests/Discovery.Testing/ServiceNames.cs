namespace Discovery.Testing;

/// <summary>Service names no other test uses, so servers of one test never answer another's client and views never mix.</summary>
public static class ServiceNames
{
    /// <summary><paramref name="stem"/>, a dash and 8 random hex digits, e.g. <c>echo-1f2e3d4c</c>.</summary>
    public static string New(string stem = "echo") => $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";
}
