using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Subsetting;
using Discovery.Etcd;

namespace Discovery.ClientFactory.Balancing;

/// <summary>
/// One moment of a subsetting client's instances: the ring of all of them, the client's own subset (its version and
/// zone), the subset of any other version a call asks for, and for <c>consistent_hash</c> the key ring over all the
/// client's filtered instances. Built when the address list changes, shared by the pickers built until the next change.
/// </summary>
internal sealed class InstanceSubset
{
    private readonly SubsetRing<ServiceInstance> _ring;
    private readonly SubsetSettings _settings;
    private readonly string? _zone;

    public InstanceSubset(IReadOnlyList<ServiceInstance> instances, SubsetSettings settings, string? version, string? zone, bool keyed)
    {
        _ring = new SubsetRing<ServiceInstance>(instances, static r => r.Id);
        _settings = settings;
        _zone = zone;
        Members = Choose(version);
        if (keyed)
        {
            var matching = instances.Where(r => version is null || r.Version == version).ToList();
            var inZone = zone is null ? [] : matching.Where(r => r.Zone == zone).ToList();
            var eligible = inZone.Count > 0 ? inZone : matching;
            KeyRing = eligible.Count > 0 ? new ConsistentHashRing<ServiceInstance>(eligible, static r => r.Id) : null;
        }
    }

    /// <summary>The ids of the client's own subset: the instances it keeps connected.</summary>
    public IReadOnlySet<string> Members { get; }

    /// <summary>The ring hash keys are placed on, over every filtered instance; null unless the picker hashes.</summary>
    public ConsistentHashRing<ServiceInstance>? KeyRing { get; }

    /// <summary>
    /// The ids of the subset of <paramref name="version"/> (null: any): instances of the client's zone first, filled
    /// from other zones when the zone has fewer than the subset's size.
    /// </summary>
    public HashSet<string> Choose(string? version)
    {
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        if (_zone is { } zone)
        {
            _ring.Choose(_settings.Position, _settings.Size, r => r.Zone == zone && (version is null || r.Version == version), chosen);
        }

        _ring.Choose(_settings.Position, _settings.Size, r => version is null || r.Version == version, chosen);
        return chosen;
    }
}
