namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>A fresh service name per test, so servers of one test never answer another's client.</summary>
internal static class ServiceNames
{
    public static string Next(string stem = "echo") => $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";
}
