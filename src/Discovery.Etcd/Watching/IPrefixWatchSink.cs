using Etcdserverpb;

namespace Discovery.Etcd.Watching;

/// <summary>
/// What a <see cref="PrefixWatchLoop"/> tells the owner of the watched keys' state: the catalog's
/// <see cref="ServiceViewKeeper"/> (through <see cref="PrefixWatcher"/>), or the registration's control record
/// watch. The loop calls it from one task at a time; an implementation that throws fails the attempt, which is
/// retried like any interruption.
/// </summary>
internal interface IPrefixWatchSink
{
    /// <summary>True once a listing was applied.</summary>
    bool IsSynced { get; }

    /// <summary>How many entries the state holds now, for the loop's logs.</summary>
    int Count { get; }

    /// <summary>Replaces the state with a listing.</summary>
    ListingOutcome ApplyListing(RangeResponse listing);

    /// <summary>Applies a watch reply (events, or only a confirmation); <paramref name="healthy"/> clears the problem.</summary>
    void ApplyResponse(WatchResponse response, bool healthy);

    /// <summary>Marks the state as possibly stale, keeping it.</summary>
    void ReportProblem(string problem);

    /// <summary>A listing after the first one was applied: <c>reconnect</c>, <c>compacted</c> or <c>data_loss</c>.</summary>
    void Resynced(string reason);

    /// <summary>A watch was created again after the stream was lost.</summary>
    void Reconnected();
}
