using System.Text.Json;
using Discovery.Etcd.Records;
using Discovery.Hosting.Control;

namespace Discovery.Cli.Inspection;

/// <summary>The checks of one record on its own: can it be read, how is its metadata written, is it leased.</summary>
internal static class RecordChecks
{
    /// <summary>Checks one endpoint record; returns the decoded record, or null when it cannot be read.</summary>
    public static InspectedRecord? CheckEndpoint(
        string service, string key, ReadOnlySpan<byte> value, long lease, int maxRecordBytes, List<Finding> findings)
    {
        if (value.Length > maxRecordBytes)
        {
            findings.Add(new Finding(FindingKinds.RecordTooLarge, service, key,
                $"The value is {value.Length} bytes, over Discovery:Etcd:MaxRecordBytes ({maxRecordBytes}): Discovery clients skip it."));
            return null;
        }

        if (!EndpointRecordCodec.TryRead(value, out var address, out _, out _, out var metadata, out var reason))
        {
            findings.Add(new Finding(FindingKinds.UndecodableValue, service, key, $"Clients skip this record: {reason}."));
            return null;
        }

        if (HasObjectMetadata(value))
        {
            findings.Add(new Finding(FindingKinds.JsonObjectMetadata, service, key,
                "Metadata is a JSON object: stock Go clients whose balancers hash addresses crash on it (etcd issue 19700). " +
                "Write it as a form string (id=…&version=…), as Discovery.Hosting does."));
        }

        if (lease == 0)
        {
            findings.Add(new Finding(FindingKinds.NoLease, service, key,
                "The record is under no lease: it stays in etcd after its process is gone, and clients keep calling that address."));
        }

        return new InspectedRecord(service, key, address, metadata.InstanceId ?? address, lease);
    }

    /// <summary>Checks one control record.</summary>
    public static void CheckControl(string service, string key, ReadOnlySpan<byte> value, List<Finding> findings)
    {
        if (!ControlRecord.TryDecode(value, out _, out var problem))
        {
            findings.Add(new Finding(FindingKinds.UndecodableControlRecord, service, key,
                $"The instance cannot read its control record ({problem}): the last good one stays in force."));
        }
    }

    // Go's decoder matches field names case-insensitively, and the last of duplicates wins: so does this.
    private static bool HasObjectMetadata(ReadOnlySpan<byte> value)
    {
        try
        {
            var reader = new Utf8JsonReader(value);
            using var document = JsonDocument.ParseValue(ref reader);
            var kind = JsonValueKind.Undefined;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.Equals("Metadata", StringComparison.OrdinalIgnoreCase))
                {
                    kind = property.Value.ValueKind;
                }
            }

            return kind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
