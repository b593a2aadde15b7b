using Grpc.Core;
using Grpc.Examples.Echo;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Discovery.EndToEnd;

/// <summary>One way of calling the EchoServers, with whatever it owns (a host, a channel).</summary>
internal sealed class ClientVariant(string name, Echo.EchoClient client, IAsyncDisposable owner, IServiceProvider? services = null) : IAsyncDisposable
{
    /// <summary>The client's own container (UseEtcd variants), for its catalog.</summary>
    public IServiceProvider? Services { get; } = services;

    public string Name { get; } = name;

    public Echo.EchoClient Client { get; } = client;

    public ValueTask DisposeAsync() => owner.DisposeAsync();

    /// <summary>
    /// <c>AddGrpcClient&lt;Echo.EchoClient&gt;().UseEtcd()</c> in a host of its own, configured as a new user would
    /// (appsettings keys), with <paramref name="picker"/>.
    /// </summary>
    public static async Task<ClientVariant> UseEtcdAsync(string name, string etcdUrl, string service, string picker, Action<IServiceCollection>? extra = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Discovery:Etcd:Endpoints:0"] = etcdUrl,
            ["Discovery:Clients:EchoClient:Service"] = service,
            ["Discovery:Clients:EchoClient:Picker"] = picker,
        });
        builder.Services.AddLogging();
        builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
        extra?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new ClientVariant(name, host.Services.GetRequiredService<Echo.EchoClient>(), new HostOwner(host), host.Services);
    }

    /// <summary>A <see cref="GrpcChannel"/> on <c>static:///</c> with grpc-dotnet's built-in <c>round_robin</c>.</summary>
    public static ClientVariant StaticChannel(string name, IReadOnlyList<int> ports)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(StaticResolver(ports));
        var provider = services.BuildServiceProvider();
        var channel = GrpcChannel.ForAddress("static:///echo", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
            ServiceProvider = provider,
        });
        return new ClientVariant(name, new Echo.EchoClient(channel), new ChannelOwner(channel, provider));
    }

    /// <summary>
    /// <c>AddGrpcClient&lt;Echo.EchoClient&gt;()</c> on the same <c>static:///</c> address and built-in
    /// <c>round_robin</c>: what a user of Grpc.Net.ClientFactory writes without discovery.
    /// </summary>
    public static async Task<ClientVariant> ClientFactoryStaticAsync(string name, IReadOnlyList<int> ports)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddSingleton<ResolverFactory>(StaticResolver(ports));
        builder.Services.AddGrpcClient<Echo.EchoClient>(o => o.Address = new Uri("static:///echo"))
            .ConfigureChannel(o =>
            {
                o.Credentials = ChannelCredentials.Insecure;
                o.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
            });
        var host = builder.Build();
        await host.StartAsync();
        return new ClientVariant(name, host.Services.GetRequiredService<Echo.EchoClient>(), new HostOwner(host));
    }

    private static StaticResolverFactory StaticResolver(IReadOnlyList<int> ports) =>
        new(_ => [.. ports.Select(p => new BalancerAddress("127.0.0.1", p))]);

    private sealed class HostOwner(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private sealed class ChannelOwner(GrpcChannel channel, ServiceProvider provider) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            channel.Dispose();
            await provider.DisposeAsync();
        }
    }
}

/// <summary>Sets the logging of a client host: the balancer's Debug events go to <paramref name="provider"/> only.</summary>
internal static class BalancerLogging
{
    public static void Capture(IServiceCollection services, ILoggerProvider provider) =>
        services.AddLogging(l => l.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
}
