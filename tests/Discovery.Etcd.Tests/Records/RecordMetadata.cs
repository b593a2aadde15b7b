using Discovery.Etcd.Records;

namespace Discovery.Etcd.Tests.Records;

/// <summary>The metadata of a decoded instance in the encoder's terms, to compare with what was encoded.</summary>
internal static class RecordMetadata
{
    public static EndpointMetadata Of(ServiceInstance instance) =>
        new(instance.InstanceId, instance.Version, instance.Weight, instance.Zone, instance.Metadata);
}
