using Grpc.Examples.Echo;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Tests.Configuration;

public sealed class UseEtcdTests
{
    [Fact]
    public async Task StartAsync_NoService_FailsNamingTheKey()
    {
        var failure = await StartFailureAsync(new() { ["Discovery:Etcd:Endpoints:0"] = "http://127.0.0.1:2379" });

        Assert.Contains("Discovery:Clients:EchoClient:Service", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownPicker_FailsNamingTheKeyAndTheKnownPickers()
    {
        var failure = await StartFailureAsync(new()
        {
            ["Discovery:Etcd:Endpoints:0"] = "http://127.0.0.1:2379",
            ["Discovery:Clients:EchoClient:Service"] = "echo",
            ["Discovery:Clients:EchoClient:Picker"] = "fastest",
        });

        Assert.Contains("Discovery:Clients:EchoClient:Picker 'fastest'", failure, StringComparison.Ordinal);
        Assert.Contains("least_request", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void UseEtcd_Registered_AddsNoPolicyUnderABuiltInName()
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddGrpcClient<Echo.EchoClient>().UseEtcd("echo");
        services.AddDiscoveryPicker("mine", ready => new FirstPicker(ready));
        using var provider = services.BuildServiceProvider();

        var names = provider.GetServices<LoadBalancerFactory>().Select(f => f.Name).ToList();

        Assert.All(names, name => Assert.StartsWith("discovery_", name, StringComparison.Ordinal));
        Assert.Contains("discovery_mine", names);
        Assert.Contains("discovery_round_robin", names);
    }

    [Fact]
    public void UseEtcd_ServiceArgument_SetsTheChannelAddress()
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddGrpcClient<Echo.EchoClient>().UseEtcd("echo");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<Grpc.Net.ClientFactory.GrpcClientFactoryOptions>>().Get("EchoClient");

        Assert.Equal(new Uri("etcd:///echo"), options.Address);
    }

    [Fact]
    public void AddDiscoveryPicker_BuiltInName_Throws()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>("name", () => services.AddDiscoveryPicker("round_robin", ready => new FirstPicker(ready)));
    }

    private static async Task<string> StartFailureAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
        using var host = builder.Build();
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        return string.Join(" ", failure.Failures);
    }

    private sealed class FirstPicker(IReadOnlyList<Subchannel> ready) : SubchannelPicker
    {
        public override PickResult Pick(PickContext context) => PickResult.ForSubchannel(ready[0]);
    }
}
