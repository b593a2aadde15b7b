namespace Discovery.Cli.Inspection;

/// <summary>An endpoint record that decoded: what the cross-record checks compare.</summary>
internal sealed record InspectedRecord(string Service, string Key, string Address, string Id, long Lease);
