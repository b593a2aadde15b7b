using Grpc.Net.Client.Balancer;

namespace Discovery.ClientFactory.Balancing;

/// <summary>A picker with one answer for every call: queue while connecting, or fail with a status.</summary>
internal sealed class FixedPicker(PickResult result) : SubchannelPicker
{
    public static readonly FixedPicker Queue = new(PickResult.ForQueue());

    public PickResult Result { get; } = result;

    public override PickResult Pick(PickContext context) => Result;
}
