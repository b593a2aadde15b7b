using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Discovery.Benchmarks;

/// <summary>
/// Real, READY grpc-dotnet subchannels to local TCP listeners, built by grpc-dotnet's own round_robin balancer,
/// whose picker is kept for comparison: both pickers then pick among the very same subchannels.
/// </summary>
internal sealed class ReadySubchannels : IAsyncDisposable
{
    private readonly List<TcpListener> _listeners = [];
    private readonly List<Socket> _accepted = [];
    private readonly CapturingFactory _factory = new();
    private GrpcChannel? _channel;
    private ServiceProvider? _services;

    public IReadOnlyList<Subchannel> Subchannels => _factory.Controller!.Subchannels;

    public SubchannelPicker BuiltInRoundRobinPicker => _factory.Controller!.LastPicker!;

    public static async Task<ReadySubchannels> CreateAsync(int count)
    {
        var ready = new ReadySubchannels();
        var addresses = new List<BalancerAddress>();
        for (var i = 0; i < count; i++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            ready._listeners.Add(listener);
            _ = ready.AcceptAsync(listener);
            addresses.Add(new BalancerAddress("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port));
        }

        ready._services = new ServiceCollection()
            .AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses))
            .AddSingleton<LoadBalancerFactory>(ready._factory)
            .BuildServiceProvider();
        ready._channel = GrpcChannel.ForAddress("static:///bench", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceProvider = ready._services,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new LoadBalancingConfig(CapturingFactory.PolicyName) } },
        });
        await ready._channel.ConnectAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ready._factory.Controller?.ReadyCount != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("The subchannels did not become ready.");
            }

            await Task.Delay(10);
        }

        return ready;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }

        foreach (var listener in _listeners)
        {
            listener.Stop();
        }
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                _accepted.Add(await listener.AcceptSocketAsync());
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private sealed class CapturingFactory : LoadBalancerFactory
    {
        public const string PolicyName = "bench_capture";

        public CapturingController? Controller { get; private set; }

        public override string Name => PolicyName;

        public override LoadBalancer Create(LoadBalancerOptions options)
        {
            Controller = new CapturingController(options.Controller);
            return new RoundRobinBalancerFactory().Create(new LoadBalancerOptions(Controller, NullLoggerFactory.Instance, options.Configuration));
        }
    }

    private sealed class CapturingController(IChannelControlHelper inner) : IChannelControlHelper
    {
        private readonly Dictionary<Subchannel, ConnectivityState> _states = [];

        public List<Subchannel> Subchannels { get; } = [];

        public SubchannelPicker? LastPicker { get; private set; }

        public int ReadyCount
        {
            get
            {
                lock (_states)
                {
                    return LastPicker is null ? 0 : _states.Values.Count(s => s == ConnectivityState.Ready);
                }
            }
        }

        public Subchannel CreateSubchannel(SubchannelOptions options)
        {
            var subchannel = inner.CreateSubchannel(options);
            Subchannels.Add(subchannel);
            subchannel.OnStateChanged(state =>
            {
                lock (_states)
                {
                    _states[subchannel] = state.State;
                }
            });
            return subchannel;
        }

        public void RefreshResolver() => inner.RefreshResolver();

        public void UpdateState(BalancerState state)
        {
            if (state.ConnectivityState == ConnectivityState.Ready)
            {
                LastPicker = state.Picker;
            }

            inner.UpdateState(state);
        }
    }
}
