using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Discovery.Testing.Fakes;

/// <summary>
/// Real grpc-dotnet subchannels that never connect, for pickers under test: grpc-dotnet gives subchannels out only
/// through a balancer's controller, so one channel with a balancer that keeps its controller makes them. Compiled
/// into the ClientFactory tests and the benchmarks.
/// </summary>
internal static class IdleSubchannels
{
    private static readonly Lazy<IChannelControlHelper> s_controller = new(CaptureController);

    /// <summary>An idle subchannel for <c>127.0.0.1:<paramref name="port"/></c>; nothing connects it.</summary>
    public static Subchannel Create(int port) =>
        s_controller.Value.CreateSubchannel(new SubchannelOptions([new BalancerAddress("127.0.0.1", port)]));

    private static IChannelControlHelper CaptureController()
    {
        var factory = new CapturingFactory();
        var services = new ServiceCollection()
            .AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => [new BalancerAddress("127.0.0.1", 1)]))
            .AddSingleton<LoadBalancerFactory>(factory)
            .BuildServiceProvider();
        var channel = GrpcChannel.ForAddress("static:///test-subchannels", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceProvider = services,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new LoadBalancingConfig(CapturingFactory.PolicyName) } },
        });

        // Connecting starts the resolver, which creates the balancer; the channel never becomes ready and is kept for
        // the test run, so the connect attempt is left pending on purpose.
        _ = channel.ConnectAsync();
        return factory.Controller.Task.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    private sealed class CapturingFactory : LoadBalancerFactory
    {
        public const string PolicyName = "test_capture";

        public TaskCompletionSource<IChannelControlHelper> Controller { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => PolicyName;

        public override LoadBalancer Create(LoadBalancerOptions options)
        {
            Controller.TrySetResult(options.Controller);
            return new IdleBalancer();
        }
    }

    private sealed class IdleBalancer : LoadBalancer
    {
        public override void RequestConnection()
        {
        }

        public override void UpdateChannelState(ChannelState state)
        {
        }
    }
}
