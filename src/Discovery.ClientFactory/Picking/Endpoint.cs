using Discovery.Etcd;
using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.LoadTracking;

using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// One instance as pickers see it: its etcd record, its subchannel, a pick result made once (so picking it
/// allocates nothing) and its load statistics, which outlive picker rebuilds.
/// </summary>
internal sealed class Endpoint
{
    public Endpoint(ServiceInstance record, Subchannel subchannel, EndpointLoad load, EndpointHealth health, ISubchannelCallTracker tracker)
    {
        Record = record;
        Subchannel = subchannel;
        Load = load;
        Health = health;
        Tracker = tracker;
        Result = PickResult.ForSubchannel(subchannel, tracker);
    }

    public ServiceInstance Record { get; }

    public string Id => Record.Id;

    public string? Version => Record.Version;

    public string? Zone => Record.Zone;

    public int Weight => Record.Weight;

    public Subchannel Subchannel { get; }

    public EndpointLoad Load { get; }

    /// <summary>Outlier ejection state.</summary>
    public EndpointHealth Health { get; }

    /// <summary>The call tracker that reports each call's transport outcome to <see cref="Health"/>.</summary>
    public ISubchannelCallTracker Tracker { get; }

    public PickResult Result { get; }

    /// <summary>The same instance and statistics with an updated record (metadata changed, address did not).</summary>
    public Endpoint WithRecord(ServiceInstance record) => new(record, Subchannel, Load, Health, Tracker);

    public override string ToString() => $"{Id} ({Record.Address})";
}
