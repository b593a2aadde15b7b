using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>Keeps an in-process client calling from several workers and records every call's outcome and timing.</summary>
internal sealed class CallRecorder : IAsyncDisposable
{
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;

    public CallRecorder(InProcessClient client, int concurrency)
    {
        _workers = [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => WorkAsync(client)))];
    }

    public ConcurrentQueue<RecordedCall> Calls { get; } = new();

    public IEnumerable<RecordedCall> Failures => Calls.Where(c => c.Status != StatusCode.OK);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // Each call has a 5 s deadline: a worker still running long after is stuck, which must fail the test, not hang it.
        await Task.WhenAll(_workers).WaitAsync(StopLimit);
        _stop.Dispose();
    }

    private async Task WorkAsync(InProcessClient client)
    {
        while (!_stop.IsCancellationRequested)
        {
            var sentAt = Stopwatch.GetTimestamp();
            try
            {
                var instance = await client.EchoAsync();
                Calls.Enqueue(new RecordedCall(sentAt, Stopwatch.GetTimestamp(), instance, StatusCode.OK, null));
            }
            catch (RpcException e)
            {
                Calls.Enqueue(new RecordedCall(sentAt, Stopwatch.GetTimestamp(), null, e.StatusCode, e.Status.Detail));
            }
        }
    }
}

/// <summary>One call: when it was sent and answered (Stopwatch timestamps), who answered, or how it failed.</summary>
internal sealed record RecordedCall(long SentAt, long AnsweredAt, string? Instance, StatusCode Status, string? Detail);
