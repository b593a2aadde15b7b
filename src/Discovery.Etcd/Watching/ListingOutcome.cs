namespace Discovery.Etcd.Watching;

/// <summary>What a listing did to the state.</summary>
/// <param name="DataLoss">True when etcd listed below the revision seen before (data wiped or restored).</param>
/// <param name="Retained">How many records the listing no longer holds and that are kept for the grace period.</param>
internal readonly record struct ListingOutcome(bool DataLoss, int Retained);
