namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>A service name no other test uses, so views never mix.</summary>
internal static class ServiceNames
{
    public static string New(string scenario) => $"{scenario}-{Guid.NewGuid():N}"[..(scenario.Length + 9)];
}
