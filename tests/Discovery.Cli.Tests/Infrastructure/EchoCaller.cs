using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Discovery.Cli.Tests.Infrastructure;

/// <summary>
/// A running client of the echo service built as an application builds it (<c>AddGrpcClient().UseEtcd()</c>): the
/// tests see what the tool's pause, resume and weight do to a client's calls.
/// </summary>
internal sealed partial class EchoCaller : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Echo.EchoClient _client;

    private EchoCaller(IHost host)
    {
        _host = host;
        _client = host.Services.GetRequiredService<Echo.EchoClient>();
    }

    public static async Task<EchoCaller> StartAsync(string etcdUrl, string service, string picker = "round_robin")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Discovery:Etcd:Endpoints:0"] = etcdUrl,
            ["Discovery:Clients:EchoClient:Service"] = service,
            ["Discovery:Clients:EchoClient:Picker"] = picker,
        });
        builder.Services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
        var host = builder.Build();
        await host.StartAsync();
        return new EchoCaller(host);
    }

    /// <summary>Makes <paramref name="count"/> calls one after another; the number each instance served.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CallAsync(int count)
    {
        var served = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var reply = await _client.UnaryEchoAsync(
                new EchoRequest { Message = $"call {i}" }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5)));
            var instance = FromInstance().Match(reply.Message) is { Success: true } match ? match.Groups[1].Value : "unknown";
            served[instance] = served.GetValueOrDefault(instance) + 1;
        }

        return served;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [GeneratedRegex(@"\(from (.+)\)$")]
    private static partial Regex FromInstance();
}
