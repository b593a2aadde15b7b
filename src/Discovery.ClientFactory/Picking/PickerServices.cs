namespace Discovery.ClientFactory.Picking;

/// <summary>What a picker may use besides its instances: time, randomness, the client's settings, shared state.</summary>
/// <param name="Time">The clock.</param>
/// <param name="Random">The random source.</param>
/// <param name="Options">The client's options.</param>
/// <param name="Cursor">A round-robin position shared by every picker of one balancer, so rebuilds keep the rotation.</param>
internal sealed record PickerServices(TimeProvider Time, IRandomSource Random, EtcdClientOptions Options, RoundRobinCursor Cursor);

/// <summary>A rotating position; starts at a random point so many clients do not all begin on the same instance.</summary>
internal sealed class RoundRobinCursor(int start)
{
    private int _position = start;

    public int Next(int count) => (int)((uint)Interlocked.Increment(ref _position) % (uint)count);
}
