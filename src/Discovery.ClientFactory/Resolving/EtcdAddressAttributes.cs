using Discovery.Etcd;

using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Resolving;

/// <summary>
/// How an etcd record rides on a <see cref="BalancerAddress"/>: the whole record under an internal key for our
/// balancer, and the well-known metadata under the public <see cref="DiscoveryPickers"/> attribute keys for pickers
/// added by users.
/// </summary>
internal static class EtcdAddressAttributes
{
    private static readonly BalancerAttributesKey<ServiceInstance> RecordKey = new("discovery.record");

    public static BalancerAddress ToAddress(ServiceInstance record)
    {
        var address = new BalancerAddress(record.Host, record.Port);
        var attributes = address.Attributes;
        attributes.Set(RecordKey, record);
        attributes.Set(new BalancerAttributesKey<string>(DiscoveryPickers.InstanceIdAttribute), record.Id);
        attributes.Set(new BalancerAttributesKey<int>(DiscoveryPickers.WeightAttribute), record.Weight);
        if (record.Version is { } version)
        {
            attributes.Set(new BalancerAttributesKey<string>(DiscoveryPickers.VersionAttribute), version);
        }

        if (record.Zone is { } zone)
        {
            attributes.Set(new BalancerAttributesKey<string>(DiscoveryPickers.ZoneAttribute), zone);
        }

        return address;
    }

    /// <summary>The record an address carries; an address from another resolver gets a record with no metadata.</summary>
    public static ServiceInstance RecordOf(BalancerAddress address) =>
        address.Attributes.TryGetValue(RecordKey, out var record)
            ? record
            : new ServiceInstance(
                address.EndPoint.Host.Contains(':', StringComparison.Ordinal)
                    ? $"[{address.EndPoint.Host}]:{address.EndPoint.Port}"
                    : $"{address.EndPoint.Host}:{address.EndPoint.Port}",
                id: null,
                version: null,
                zone: null,
                ServiceInstance.DefaultWeight,
                metadata: null);
}
