using System.Text.RegularExpressions;
using Discovery.ClientFactory;
using Grpc.Core;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>An <c>AddGrpcClient&lt;Echo.EchoClient&gt;().UseEtcd()</c> client in the test process.</summary>
internal sealed partial class InProcessClient : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private InProcessClient(ServiceProvider provider)
    {
        _provider = provider;
        Client = provider.GetRequiredService<Echo.EchoClient>();
    }

    public Echo.EchoClient Client { get; }

    /// <summary>The client's services, for their meter factory and registries.</summary>
    public IServiceProvider Services => _provider;

    public static InProcessClient Create(
        string etcdUrl, string service, string picker = DiscoveryPickers.RoundRobin, ILoggerProvider? logs = null, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Discovery:Etcd:Endpoints:0"] = etcdUrl,
            ["Discovery:Clients:EchoClient:Service"] = service,
            ["Discovery:Clients:EchoClient:Picker"] = picker,
        }).AddInMemoryCollection(settings ?? []).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        if (logs is not null)
        {
            services.AddLogging(builder => builder.AddProvider(logs));
        }

        services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
        return new InProcessClient(services.BuildServiceProvider());
    }

    /// <summary>One UnaryEcho with a 5 s deadline; returns the id of the instance that answered.</summary>
    public async Task<string> EchoAsync(CallOptions options = default)
    {
        var reply = await Client.UnaryEchoAsync(new EchoRequest { Message = "hi" }, options.WithDeadline(DateTime.UtcNow.AddSeconds(5)));
        return FromInstance().Match(reply.Message).Groups[1].Value;
    }

    // A channel stuck in a deadlock must fail the test rather than hang it (30 s: disposal itself takes milliseconds).
    public async ValueTask DisposeAsync() => await _provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    [GeneratedRegex(@"\(from (.+)\)$")]
    private static partial Regex FromInstance();
}
