using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Routing;
using Discovery.ClientFactory.Subsetting;
using Discovery.ClientFactory.Tests.Picking;
using Discovery.Testing;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Balancing;

/// <summary>Pickers under subsetting: the subset's ready instances for every picker; pins and hash keys reach the others.</summary>
public sealed class SubsetPickingTests : IDisposable
{
    private static readonly PickContext Context = new();
    private static readonly SubsetSettings Settings = new(Size: 3, Position: SubsetPosition.Of("echo", 0));
    private readonly List<Endpoint> _endpoints = [.. Enumerable.Range(1, 10).Select(i => TestEndpoints.Create($"s{i}", version: "v1", port: 6100 + i))];

    public void Dispose() => CallContext.Current = null;

    public static TheoryData<string> Pickers => [.. DiscoveryPickers.BuiltIn];

    [Theory]
    [MemberData(nameof(Pickers))]
    public void Pick_EveryPicker_StaysInTheSubset(string picker)
    {
        var (built, subset) = Build(picker);
        CallContext.Current = CallContext.None;

        var picked = Enumerable.Range(0, 200).Select(_ => built.Pick(Context).Subchannel).ToHashSet();

        Assert.Equal(3, subset.Members.Count);
        Assert.Subset(_endpoints.Where(e => subset.Members.Contains(e.Id)).Select(e => e.Subchannel).ToHashSet(), picked!);
    }

    [Fact]
    public async Task Pick_PinnedOutsideTheSubset_AsksItsSubchannelToConnectAndQueues()
    {
        var (built, subset) = Build(DiscoveryPickers.RoundRobin);
        var outsider = _endpoints.First(e => !subset.Members.Contains(e.Id));
        var states = new List<ConnectivityState>();
        using var subscription = outsider.Subchannel.OnStateChanged(state =>
        {
            lock (states)
            {
                states.Add(state.State);
            }
        });
        CallContext.Current = CallContext.For(new CallRouting(outsider.Id, null, null), tracksLoad: false);

        var result = built.Pick(Context);

        Assert.Equal(PickResultType.Queue, result.Type);
        await Eventually.UntilAsync(
            () =>
            {
                lock (states)
                {
                    return states.Contains(ConnectivityState.Connecting);
                }
            },
            TimeSpan.FromSeconds(5),
            "the pinned instance's subchannel connecting");
    }

    [Fact]
    public void Pick_HashKey_GoesWhereTheRingOfEveryInstancePutsIt()
    {
        var (built, subset) = Build(DiscoveryPickers.ConsistentHash, ready: all => true);
        var keys = Enumerable.Range(0, 50).Select(i => $"user-{i}").ToArray();

        var picked = keys.Select(key =>
        {
            CallContext.Current = CallContext.For(new CallRouting(null, null, key), tracksLoad: false);
            return built.Pick(Context).Subchannel!;
        }).ToList();

        var expected = keys.Select(key => _endpoints.Single(e => e.Id == subset.KeyRing!.Lookup(key).Id).Subchannel).ToList();
        Assert.Equal(expected, picked);
        Assert.Contains(picked, s => !_endpoints.Where(e => subset.Members.Contains(e.Id)).Any(e => e.Subchannel == s));
    }

    // Subset members ready, the others idle as the balancer leaves them; ready: which instances are ready besides.
    private (DiscoveryPicker Picker, InstanceSubset Subset) Build(string picker, Func<Endpoint, bool>? ready = null)
    {
        var keyed = picker == DiscoveryPickers.ConsistentHash;
        var subset = new InstanceSubset([.. _endpoints.Select(e => e.Record)], Settings, version: null, zone: null, keyed);
        var snapshots = _endpoints.ConvertAll(e =>
        {
            var member = subset.Members.Contains(e.Id);
            var state = member || (ready?.Invoke(e) ?? false) ? ConnectivityState.Ready : ConnectivityState.Idle;
            return new EndpointSnapshot(e, state, member, null, InSubset: member);
        });
        var options = new EtcdClientOptions { Service = "echo", Picker = picker, Subset = { Size = Settings.Size, ClientIndex = 0 } };
        var services = new PickerServices(new FakeTimeProvider(), new ScriptedRandom(0, 1, 2, 0, 2, 1), options, new RoundRobinCursor(-1));
        var settings = new BalancerSettings("echo", null, null, new PickerRegistry([]).Get(picker), services, Subset: Settings);
        return (new DiscoveryPicker(snapshots, settings, subset), subset);
    }
}
