using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.LoadTracking;
using Discovery.Etcd.Records;
using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// One instance as pickers see it: its etcd record, its subchannel, a pick result made once (so picking it
/// allocates nothing) and its load statistics, which outlive picker rebuilds.
/// </summary>
internal sealed class Endpoint
{
    public Endpoint(EndpointRecord record, Subchannel? subchannel, EndpointLoad load, EndpointHealth? health = null, ISubchannelCallTracker? tracker = null)
    {
        Record = record;
        Subchannel = subchannel;
        Load = load;
        Health = health;
        Tracker = tracker;
        // Unit tests pass no subchannel; they tell results apart by reference.
        Result = PickResult.ForSubchannel(subchannel!, tracker);
    }

    public EndpointRecord Record { get; }

    public string Id => Record.Id;

    public string? Version => Record.Metadata.Version;

    public string? Zone => Record.Metadata.Zone;

    public int Weight => Record.Metadata.Weight;

    public Subchannel? Subchannel { get; }

    public EndpointLoad Load { get; }

    /// <summary>Outlier ejection state, or null when the balancer does not eject (unit tests).</summary>
    public EndpointHealth? Health { get; }

    public ISubchannelCallTracker? Tracker { get; }

    public PickResult Result { get; }

    /// <summary>The same instance and statistics with an updated record (metadata changed, address did not).</summary>
    public Endpoint WithRecord(EndpointRecord record) => new(record, Subchannel, Load, Health, Tracker);

    public override string ToString() => $"{Id} ({Record.Address})";
}
