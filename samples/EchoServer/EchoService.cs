using Discovery.Hosting;
using Grpc.Core;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Options;

namespace EchoServer;

/// <summary>Echoes every message back as <c>{message} (from {InstanceId})</c>.</summary>
internal sealed class EchoService : Echo.EchoBase
{
    private readonly string _instanceId;
    private readonly TimeSpan _delay;

    public EchoService(IOptions<EtcdRegistrationOptions> registration, IOptions<EchoOptions> echo)
    {
        _instanceId = registration.Value.InstanceId ?? "unregistered";
        _delay = echo.Value.Delay;
    }

    public override async Task<EchoResponse> UnaryEcho(EchoRequest request, ServerCallContext context) =>
        await ReplyAsync(request.Message, context.CancellationToken);

    public override async Task ServerStreamingEcho(EchoRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < 3; i++)
        {
            await responseStream.WriteAsync(await ReplyAsync(request.Message, context.CancellationToken), context.CancellationToken);
        }
    }

    public override async Task<EchoResponse> ClientStreamingEcho(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var messages = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            messages.Add(request.Message);
        }

        return await ReplyAsync(string.Join(", ", messages), context.CancellationToken);
    }

    public override async Task BidirectionalStreamingEcho(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(await ReplyAsync(request.Message, context.CancellationToken), context.CancellationToken);
        }
    }

    private async Task<EchoResponse> ReplyAsync(string message, CancellationToken cancellationToken)
    {
        if (_delay > TimeSpan.Zero)
        {
            await Task.Delay(_delay, cancellationToken);
        }

        return new EchoResponse { Message = $"{message} (from {_instanceId})" };
    }
}
