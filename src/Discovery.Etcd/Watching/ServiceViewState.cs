using System.Collections.Immutable;
using Discovery.Etcd.Records;
using Mvccpb;

namespace Discovery.Etcd.Watching;

/// <summary>
/// What a watcher knows about one service: the decoded records etcd holds for it, keyed by etcd key, and the
/// records kept for a grace period after etcd lost data. Pure state with no I/O or clock, so the resync and grace
/// rules are unit-tested; the owner serializes calls.
/// </summary>
internal sealed class ServiceViewState
{
    private readonly string _servicePrefix;
    private readonly int _maxRecordBytes;
    private readonly Action<string, long, string> _onSkipped;
    private Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Retained> _retained = new(StringComparer.Ordinal);

    // The mod revision of every key whose value could not be decoded, so that a record is warned about and counted
    // once however often it is listed again.
    private readonly Dictionary<string, long> _malformed = new(StringComparer.Ordinal);

    // The endpoints as last built, kept up to date one put or delete at a time: a change in a service of 5,000
    // instances rebuilt, sorted and compared the whole list (about 160 B per instance per change, measured by the
    // end-to-end bench). The shortcut holds while no record is retained and no address belongs to two keys, each
    // address then mapping to its one key in _keyByAddress; anything else sets _rebuild, and the next build follows
    // the full rules (see BuildEndpoints) and checks whether the shortcut holds again.
    private static readonly IComparer<ServiceInstance> s_byAddress =
        Comparer<ServiceInstance>.Create(static (a, b) => string.CompareOrdinal(a.Address, b.Address));

    private readonly Dictionary<string, string> _keyByAddress = new(StringComparer.Ordinal);
    private ImmutableList<ServiceInstance> _endpoints = [];
    private bool _rebuild = true;

    /// <param name="servicePrefix">The service's key prefix, with its trailing slash.</param>
    /// <param name="maxRecordBytes">The largest value decoded; a larger one is skipped as malformed, undecoded.</param>
    /// <param name="onSkipped">Called once per malformed record (key, mod revision, reason).</param>
    public ServiceViewState(string servicePrefix, int maxRecordBytes, Action<string, long, string> onSkipped)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecordBytes);
        _servicePrefix = servicePrefix;
        _maxRecordBytes = maxRecordBytes;
        _onSkipped = onSkipped;
    }

    /// <summary>True once etcd listed the service.</summary>
    public bool IsSynced { get; private set; }

    /// <summary>The highest revision etcd reported since the last listing; 0 before the first.</summary>
    public long Revision { get; private set; }

    /// <summary>Changes whenever the endpoints may have changed, so an unchanged state is not rebuilt.</summary>
    public long Version { get; private set; }

    /// <summary>Records kept after a data loss that etcd does not list (yet).</summary>
    public int RetainedCount => _retained.Count;

    /// <summary>True when the last <see cref="BuildEndpoints"/> rebuilt the list from every record, false when it was kept up to date change by change.</summary>
    public bool EndpointsRebuilt { get; private set; }

    /// <summary>When the next retained record expires, or null when none is retained.</summary>
    public DateTimeOffset? NextExpiry => _retained.Count == 0 ? null : _retained.Values.Min(r => r.ExpiresAt);

    /// <summary>
    /// Replaces the records with a listing at <paramref name="revision"/>. A listing below the revision seen
    /// before means etcd lost data: the records it no longer holds are then kept until
    /// <paramref name="now"/> + <paramref name="gracePeriod"/> so their servers can register again.
    /// </summary>
    public ListingOutcome ApplyListing(IEnumerable<KeyValue> listing, long revision, DateTimeOffset now, TimeSpan gracePeriod)
    {
        // The first view of a large service waits for this: one dictionary, sized once, becomes the records (no
        // copy), and the keys listed but not decoded are the only ones kept aside to tell which keys etcd holds.
        var dataLoss = IsSynced && revision < Revision;
        var listed = new Dictionary<string, Entry>(listing.TryGetNonEnumeratedCount(out var count) ? count : 0, StringComparer.Ordinal);
        HashSet<string>? undecoded = null;
        foreach (var kv in listing)
        {
            var key = kv.Key.ToStringUtf8();
            if (!ServiceKeys.IsDirectChild(key, _servicePrefix))
            {
                continue;
            }

            if (TryDecode(key, kv) is { } entry)
            {
                listed[key] = entry;
            }
            else
            {
                (undecoded ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
            }
        }

        bool Present(string key) => listed.ContainsKey(key) || (undecoded?.Contains(key) ?? false);

        var retainedNow = 0;
        if (dataLoss && gracePeriod > TimeSpan.Zero)
        {
            foreach (var (key, entry) in _entries)
            {
                if (!Present(key))
                {
                    _retained[key] = new Retained(entry, now + gracePeriod);
                    retainedNow++;
                }
            }
        }

        _entries = listed;
        if (_retained.Count > 0)
        {
            _retained.Keys.Where(Present).ToList().ForEach(k => _retained.Remove(k));
        }

        if (_malformed.Count > 0)
        {
            _malformed.Keys.Where(k => !Present(k)).ToList().ForEach(k => _malformed.Remove(k));
        }

        Revision = revision;
        IsSynced = true;
        Version++;
        _rebuild = true;
        return new ListingOutcome(dataLoss, retainedNow);
    }

    /// <summary>Applies a put event; a malformed value makes the key absent.</summary>
    public void ApplyPut(KeyValue kv)
    {
        var key = kv.Key.ToStringUtf8();
        if (!ServiceKeys.IsDirectChild(key, _servicePrefix))
        {
            return;
        }

        Version++;
        _retained.Remove(key);
        _entries.TryGetValue(key, out var old);
        var entry = TryDecode(key, kv);
        if (entry is not null)
        {
            _entries[key] = entry;
        }
        else
        {
            _entries.Remove(key);
        }

        UpdateEndpoints(key, old, entry);
    }

    /// <summary>Applies a delete event.</summary>
    public void ApplyDelete(KeyValue kv)
    {
        var key = kv.Key.ToStringUtf8();
        Version++;
        _entries.Remove(key, out var old);
        _retained.Remove(key);
        _malformed.Remove(key);
        UpdateEndpoints(key, old, null);
    }

    /// <summary>Records a revision etcd reported (an event or a progress reply).</summary>
    public void Observe(long revision) => Revision = Math.Max(Revision, revision);

    /// <summary>Drops the retained records whose grace period is over; returns how many.</summary>
    public int ExpireRetained(DateTimeOffset now)
    {
        var expired = _retained.Where(r => r.Value.ExpiresAt <= now).Select(r => r.Key).ToList();
        expired.ForEach(k => _retained.Remove(k));
        Version += expired.Count;
        _rebuild |= expired.Count > 0;
        return expired.Count;
    }

    /// <summary>
    /// The endpoints, one per address, ordered by address. Of two keys with the same address, a listed record wins
    /// over a retained one, then the most recently written.
    /// </summary>
    public IReadOnlyList<ServiceInstance> BuildEndpoints()
    {
        EndpointsRebuilt = _rebuild;
        if (_rebuild)
        {
            // With no record retained and no address under two keys, the full rules keep every record: the list is
            // the records ordered by address. etcd lists in key order, which is address order when keys end with the
            // address (as registrations write them), so the sort is mostly a check.
            _keyByAddress.Clear();
            _keyByAddress.EnsureCapacity(_entries.Count);
            var shortcut = _retained.Count == 0;
            var records = new ServiceInstance[_entries.Count];
            var at = 0;
            foreach (var (key, entry) in _entries)
            {
                records[at++] = entry.Record;
                shortcut &= _keyByAddress.TryAdd(entry.Record.Address, key);
            }

            if (!shortcut)
            {
                records = RebuildEndpoints();
            }
            else if (!IsOrdered(records))
            {
                Array.Sort(records, s_byAddress);
            }

            _endpoints = ImmutableList.CreateRange(records);
            _rebuild = !shortcut;
        }

        return _endpoints;
    }

    /// <summary>
    /// Applies one record's change (<paramref name="old"/> to <paramref name="now"/>, either null when absent) to the
    /// endpoints while the shortcut holds; otherwise leaves them to the next full build.
    /// </summary>
    private void UpdateEndpoints(string key, Entry? old, Entry? now)
    {
        if (_rebuild || !IsSynced)
        {
            _rebuild = true;
            return;
        }

        // Another key holding the new address: which record wins is the full rules' question.
        if (now is not null && _keyByAddress.TryGetValue(now.Record.Address, out var holder) && holder != key)
        {
            _rebuild = true;
            return;
        }

        var endpoints = _endpoints;
        if (old is not null)
        {
            var at = endpoints.BinarySearch(old.Record, s_byAddress);
            if (at < 0)
            {
                _rebuild = true;
                return;
            }

            if (now is not null && now.Record.Address == old.Record.Address)
            {
                // Same address: the record is replaced, or kept when equal so the view stays the same object.
                _endpoints = endpoints[at].Equals(now.Record) ? endpoints : endpoints.SetItem(at, now.Record);
                return;
            }

            endpoints = endpoints.RemoveAt(at);
            _keyByAddress.Remove(old.Record.Address);
        }

        if (now is not null)
        {
            endpoints = endpoints.Insert(~endpoints.BinarySearch(now.Record, s_byAddress), now.Record);
            _keyByAddress[now.Record.Address] = key;
        }

        _endpoints = endpoints;
    }

    private static bool IsOrdered(ServiceInstance[] records)
    {
        for (var i = 1; i < records.Length; i++)
        {
            if (string.CompareOrdinal(records[i - 1].Address, records[i].Address) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private ServiceInstance[] RebuildEndpoints()
    {
        var byAddress = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        foreach (var (key, entry) in _entries)
        {
            Offer(byAddress, new Candidate(entry, key, Listed: true));
        }

        foreach (var (key, retained) in _retained)
        {
            Offer(byAddress, new Candidate(retained.Entry, key, Listed: false));
        }

        return byAddress.Values
            .Select(c => c.Entry.Record)
            .OrderBy(r => r.Address, StringComparer.Ordinal)
            .ToArray();
    }

    private static void Offer(Dictionary<string, Candidate> byAddress, Candidate candidate)
    {
        var address = candidate.Entry.Record.Address;
        if (!byAddress.TryGetValue(address, out var current) || candidate.IsPreferredTo(current))
        {
            byAddress[address] = candidate;
        }
    }

    private Entry? TryDecode(string key, KeyValue kv)
    {
        // The size is checked first: decoding costs time and memory in proportion to the value, for every client.
        string? reason;
        if (kv.Value.Length > _maxRecordBytes)
        {
            reason = $"the value is {kv.Value.Length} bytes, over the {_maxRecordBytes} byte limit ({EtcdOptions.SectionName}:{nameof(EtcdOptions.MaxRecordBytes)})";
        }
        else if (EndpointRecordCodec.TryDecode(kv.Value.Span, out var record, out reason))
        {
            _malformed.Remove(key);
            return new Entry(record, kv.ModRevision);
        }

        if (!_malformed.TryGetValue(key, out var known) || known != kv.ModRevision)
        {
            _malformed[key] = kv.ModRevision;
            _onSkipped(key, kv.ModRevision, reason);
        }

        return null;
    }

    private sealed record Entry(ServiceInstance Record, long ModRevision);

    private sealed record Retained(Entry Entry, DateTimeOffset ExpiresAt);

    private sealed record Candidate(Entry Entry, string Key, bool Listed)
    {
        public bool IsPreferredTo(Candidate other) =>
            Listed != other.Listed
                ? Listed
                : Entry.ModRevision != other.Entry.ModRevision
                    ? Entry.ModRevision > other.Entry.ModRevision
                    : string.CompareOrdinal(Key, other.Key) < 0;
    }
}
