namespace Discovery.ClientFactory.Ejection;

/// <summary>
/// Counts the subchannels the balancers of one service provider hold open, so a leak (a subchannel kept for an
/// instance that is gone) shows in tests and diagnostics.
/// </summary>
internal sealed class SubchannelLedger
{
    private long _open;

    public long Open => Interlocked.Read(ref _open);

    public void Opened() => Interlocked.Increment(ref _open);

    public void Closed() => Interlocked.Decrement(ref _open);
}
