using System.Diagnostics.Metrics;
using Discovery.ClientFactory.Balancing;
using Discovery.ClientFactory.Picking;
using Discovery.ClientFactory.Retry;
using Discovery.ClientFactory.Routing;
using Discovery.Etcd;
using Discovery.Testing;
using Discovery.ClientFactory.Tests.Picking;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Discovery.ClientFactory.Tests.Balancing;

public sealed class DiscoveryPickerTests : IDisposable
{
    private static readonly PickContext Context = new();
    private readonly FakeTimeProvider _time = new();
    private readonly Endpoint _a1 = TestEndpoints.Create("a1", version: "v1", zone: "a", port: 5001);
    private readonly Endpoint _b1 = TestEndpoints.Create("b1", version: "v1", zone: "b", port: 5002);
    private readonly Endpoint _b2 = TestEndpoints.Create("b2", version: "v2", zone: "b", port: 5003);

    public void Dispose() => CallContext.Current = null;

    [Fact]
    public void Pick_OutsideTheInterceptorsCallStart_ReadsRoutingFromTheRequestHeaders()
    {
        var picker = Build(Ready(_a1, _b1, _b2));
        var request = new HttpRequestMessage(HttpMethod.Post, "http://echo/grpc.examples.echo.Echo/UnaryEcho");
        request.Headers.TryAddWithoutValidation(DiscoveryRouting.InstanceHeader, "b1");
        CallContext.Current = null;

        var results = Enumerable.Range(0, 3).Select(_ => picker.Pick(new PickContext { Request = request }));

        Assert.All(results, r => Assert.Same(_b1.Result, r));
    }

    [Fact]
    public void Pick_NoRoutingInTheSlot_TakesTheClientsFilters()
    {
        var picker = Build(Ready(_a1, _b1, _b2), version: "v2");
        CallContext.Current = CallContext.None;

        Assert.All(Picks(picker, 3), r => Assert.Same(_b2.Result, r));
    }

    [Fact]
    public void Pick_ClientVersion_ReachesOnlyThatVersion()
    {
        var picker = Build(Ready(_a1, _b1, _b2), version: "v2");

        Assert.All(Picks(picker, 6), r => Assert.Same(_b2.Result, r));
    }

    [Fact]
    public void Pick_ZoneWithReadyInstance_StaysInZone()
    {
        var picker = Build(Ready(_a1, _b1, _b2), zone: "a");

        Assert.All(Picks(picker, 6), r => Assert.Same(_a1.Result, r));
    }

    [Fact]
    public void Pick_ZoneWithoutReadyInstance_FallsBackToOtherZones()
    {
        var picker = Build([Snapshot(_a1, ConnectivityState.TransientFailure), Snapshot(_b1), Snapshot(_b2)], zone: "a");

        Assert.Equal([_b1.Result, _b2.Result], Picks(picker, 2));
    }

    [Fact]
    public void Pick_EjectedInstance_LeftOut()
    {
        var picker = Build([Snapshot(_a1) with { Ejected = true }, Snapshot(_b1)]);

        Assert.All(Picks(picker, 4), r => Assert.Same(_b1.Result, r));
    }

    [Fact]
    public void Pick_EveryReadyInstanceEjected_StillServesFromThem()
    {
        var picker = Build([Snapshot(_a1) with { Ejected = true }, Snapshot(_b1) with { Ejected = true }]);

        Assert.Equal([_a1.Result, _b1.Result], Picks(picker, 2));
    }

    [Fact]
    public void Pick_ZoneInstancesAllEjected_FallsBackToOtherZones()
    {
        var picker = Build([Snapshot(_a1) with { Ejected = true }, Snapshot(_b1)], zone: "a");

        Assert.All(Picks(picker, 4), r => Assert.Same(_b1.Result, r));
    }

    [Fact]
    public void Pick_PinnedToEjectedInstance_FailsNamingIt()
    {
        var picker = Build([Snapshot(_a1) with { Ejected = true }, Snapshot(_b1)]);
        CallContext.Current = CallContext.For(new CallRouting("a1", null, null), tracksLoad: false);

        var result = picker.Pick(Context);

        Assert.Equal(StatusCode.Unavailable, result.Status.StatusCode);
        Assert.Contains("'a1'", result.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("ejected", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Pick_FilterMatchesNothing_FailsUnavailableNamingServiceAndFilter()
    {
        var picker = Build(Ready(_a1, _b1), version: "v9");

        var result = picker.Pick(Context);

        Assert.Equal(PickResultType.Fail, result.Type);
        Assert.Equal(StatusCode.Unavailable, result.Status.StatusCode);
        Assert.Contains("'echo'", result.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("version 'v9'", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Pick_MatchingInstanceStillConnecting_Queues()
    {
        var picker = Build([Snapshot(_a1), Snapshot(_b2, ConnectivityState.Connecting)], version: "v2");

        Assert.Equal(PickResultType.Queue, picker.Pick(Context).Type);
    }

    [Fact]
    public void Pick_EveryMatchingInstanceUnreachable_FailsWithTheLastError()
    {
        var picker = Build([Snapshot(_a1, ConnectivityState.TransientFailure, "Connection refused"), Snapshot(_b1, ConnectivityState.TransientFailure, "Connection refused")]);

        var result = picker.Pick(Context);

        Assert.Equal(StatusCode.Unavailable, result.Status.StatusCode);
        Assert.Contains("Connection refused", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Pick_PinnedToReadyInstance_ReturnsIt()
    {
        var picker = Build(Ready(_a1, _b1, _b2), version: "v1");
        CallContext.Current = CallContext.For(new CallRouting("b2", null, null), tracksLoad: false);

        Assert.All(Picks(picker, 3), r => Assert.Same(_b2.Result, r));
    }

    [Fact]
    public void Pick_PinnedToAbsentInstance_FailsNamingIt()
    {
        var picker = Build(Ready(_a1, _b1));
        CallContext.Current = CallContext.For(new CallRouting("s9", null, null), tracksLoad: false);

        var result = picker.Pick(Context);

        Assert.Equal(StatusCode.Unavailable, result.Status.StatusCode);
        Assert.Contains("'s9'", result.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("not registered", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Pick_PinnedToConnectingInstance_Queues()
    {
        var picker = Build([Snapshot(_a1), Snapshot(_b1, ConnectivityState.Connecting)]);
        CallContext.Current = CallContext.For(new CallRouting("b1", null, null), tracksLoad: false);

        Assert.Equal(PickResultType.Queue, picker.Pick(Context).Type);
    }

    [Fact]
    public void Pick_CallVersion_ReplacesTheClientVersion()
    {
        var picker = Build(Ready(_a1, _b1, _b2), version: "v1");
        CallContext.Current = CallContext.For(new CallRouting(null, "v2", null), tracksLoad: false);

        Assert.All(Picks(picker, 3), r => Assert.Same(_b2.Result, r));
    }

    [Fact]
    public void Pick_TrackingPicker_CountsTheCallOnTheChosenInstance()
    {
        var picker = Build(Ready(_a1), picker: DiscoveryPickers.PowerOfTwoChoices);
        var call = CallContext.For(default, tracksLoad: true);
        CallContext.Current = call;

        picker.Pick(Context);
        var inFlight = _a1.Load.InFlight;
        call.TakeAttached().Complete(StatusCode.OK);

        Assert.Equal((1, 0L), (inFlight, _a1.Load.InFlight));
    }

    [Fact]
    public void Pick_RepeatedWithinOneCallStart_CountsTheCallOnlyOnTheLastChoice()
    {
        var picker = Build(Ready(_a1), picker: DiscoveryPickers.LeastRequest);
        var call = CallContext.For(default, tracksLoad: true);
        CallContext.Current = call;

        picker.Pick(Context);
        picker.Pick(Context);
        var inFlight = _a1.Load.InFlight;
        call.TakeAttached().Complete(StatusCode.OK);

        Assert.Equal((1, 0L), (inFlight, _a1.Load.InFlight));
    }

    [Fact]
    public void Pick_PinnedCallOnTrackingPicker_CountsItOnThePinnedInstance()
    {
        var picker = Build(Ready(_a1, _b1), picker: DiscoveryPickers.PowerOfTwoChoices);
        var call = CallContext.For(new CallRouting("b1", null, null), tracksLoad: true);
        CallContext.Current = call;

        picker.Pick(Context);
        var inFlight = (_a1.Load.InFlight, _b1.Load.InFlight);
        call.TakeAttached().Complete(StatusCode.OK);

        Assert.Equal(((0L, 1L), 0L), (inFlight, _b1.Load.InFlight));
    }

    [Fact]
    public void Pick_AttemptRetriedByTheUnavailablePolicy_CountsOneUnavailableRetry()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meters.GetRequiredService<IMeterFactory>();
        using var retries = new MetricCollector<long>(meterFactory, DiscoveryTelemetry.MeterName, RetryMetrics.RetriesName);
        var picker = Build(Ready(_a1, _b1), retries: new RetryMetrics(meterFactory));
        var first = new HttpRequestMessage(HttpMethod.Post, "http://echo/grpc.examples.echo.Echo/UnaryEcho");
        var retried = new HttpRequestMessage(HttpMethod.Post, "http://echo/grpc.examples.echo.Echo/UnaryEcho");
        retried.Headers.TryAddWithoutValidation(PolicyRetry.PreviousAttemptsHeader, "1");
        CallContext.Current = null;

        picker.Pick(new PickContext { Request = first });
        picker.Pick(new PickContext { Request = retried });

        var retry = Assert.Single(retries.GetMeasurementSnapshot());
        Assert.Equal("unavailable", retry.Tags[RetryMetrics.ReasonAttribute]);
        Assert.Equal("echo", retry.Tags[TelemetryAttributes.Service]);
    }

    private static List<PickResult> Picks(DiscoveryPicker picker, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => picker.Pick(Context))];

    private static EndpointSnapshot Snapshot(Endpoint endpoint, ConnectivityState state = ConnectivityState.Ready, string? error = null) =>
        new(endpoint, state, state != ConnectivityState.Connecting, error);

    private static List<EndpointSnapshot> Ready(params Endpoint[] endpoints) => [.. endpoints.Select(e => Snapshot(e))];

    private DiscoveryPicker Build(
        List<EndpointSnapshot> snapshots, string? version = null, string? zone = null, string picker = DiscoveryPickers.RoundRobin, RetryMetrics? retries = null)
    {
        var options = new EtcdClientOptions { Service = "echo", Version = version, Zone = zone, Picker = picker };
        var services = new PickerServices(_time, new ScriptedRandom(0), options, new RoundRobinCursor(-1));
        var definition = new PickerRegistry([]).Get(picker);
        return new DiscoveryPicker(snapshots, new BalancerSettings("echo", version, zone, definition, services, retries));
    }
}
