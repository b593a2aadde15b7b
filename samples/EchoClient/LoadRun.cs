using System.Diagnostics;
using System.Text.RegularExpressions;
using Discovery.ClientFactory;
using Grpc.Core;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Logging;

namespace EchoClient;

/// <summary>Runs UnaryEcho calls with a 5 s deadline from <c>--concurrency</c> workers until the call budget or the duration is spent.</summary>
internal sealed partial class LoadRun(Echo.EchoClient client, ClientArguments arguments, RunStatistics statistics, ILogger<LoadRun> logger)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);
    private long _started;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var budget = arguments.Duration is null ? arguments.Calls ?? ClientArguments.DefaultCalls : long.MaxValue;
        using var timeout = new CancellationTokenSource();
        if (arguments.Duration is { } duration)
        {
            timeout.CancelAfter(duration);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var workers = Enumerable.Range(0, arguments.Concurrency).Select(_ => WorkAsync(budget, linked.Token)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        Log.Finished(logger, statistics.Calls, stopwatch.Elapsed.TotalSeconds);
    }

    private async Task WorkAsync(long budget, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _started);
            if (n > budget)
            {
                return;
            }

            await CallAsync(n).ConfigureAwait(false);
        }
    }

    private async Task CallAsync(long n)
    {
        var options = new CallOptions(deadline: DateTime.UtcNow + Deadline);
        if (arguments.Instance is { } instance)
        {
            options = options.WithInstance(instance);
        }

        if (arguments.HashKey is { } hashKey)
        {
            options = options.WithHashKey(hashKey);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var reply = await client.UnaryEchoAsync(new EchoRequest { Message = $"call {n}" }, options).ConfigureAwait(false);
            var match = FromInstance().Match(reply.Message);
            statistics.Succeeded(match.Success ? match.Groups[1].Value : "unknown", Stopwatch.GetElapsedTime(started));
        }
        catch (RpcException e)
        {
            if (statistics.Failed(e.StatusCode.ToString(), e.Status.Detail))
            {
                Log.FirstFailure(logger, e.StatusCode, e.Status.Detail);
            }
        }
    }

    [GeneratedRegex(@"\(from (.+)\)$")]
    private static partial Regex FromInstance();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "First call failing with {Status}: {Detail}")]
        public static partial void FirstFailure(ILogger logger, StatusCode status, string detail);

        [LoggerMessage(2, LogLevel.Information, "{Calls} calls made in {Seconds:F1} s")]
        public static partial void Finished(ILogger logger, long calls, double seconds);
    }
}
