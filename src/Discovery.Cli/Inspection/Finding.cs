namespace Discovery.Cli.Inspection;

/// <summary>One thing wrong in the registry: its <see cref="FindingKinds">kind</see>, where, and why it matters.</summary>
internal sealed record Finding(string Kind, string? Service, string Key, string Message);
