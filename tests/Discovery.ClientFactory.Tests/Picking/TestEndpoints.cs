using Discovery.Testing.Fakes;
using Discovery.ClientFactory.Ejection;
using Discovery.ClientFactory.LoadTracking;
using Discovery.ClientFactory.Picking;
using Discovery.Etcd;
using Discovery.Etcd.Retry;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Picking;

/// <summary>Endpoints over idle subchannels (nothing connects them), for pickers under test.</summary>
internal static class TestEndpoints
{
    public static Endpoint Create(string id, string? version = null, string? zone = null, int weight = 100, TimeProvider? time = null, int port = 0)
    {
        var address = $"127.0.0.1:{(port == 0 ? 5000 + Math.Abs(id.GetHashCode(StringComparison.Ordinal) % 1000) : port)}";
        var record = new ServiceInstance(address, id, version, zone, weight, null);
        var clock = time ?? new FakeTimeProvider();
        var health = new EndpointHealth(clock, SharedJitterSource.Instance);
        return new Endpoint(record, IdleSubchannels.Create(record.Port), new EndpointLoad(clock, TimeSpan.FromSeconds(10)), health, new EjectionTracker(health, _ => { }));
    }

    public static List<Endpoint> Many(params string[] ids) => [.. ids.Select(id => Create(id))];
}

/// <summary>A random source that replays given draws (modulo the bound), then repeats the last one.</summary>
internal sealed class ScriptedRandom(params int[] draws) : IRandomSource
{
    private int _next;

    public int Next(int maxExclusive)
    {
        var draw = draws[Math.Min(_next, draws.Length - 1)];
        _next++;
        return draw % maxExclusive;
    }
}
