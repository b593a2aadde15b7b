using System.Runtime.ExceptionServices;

namespace Discovery.Hosting.Leasing;

/// <summary>
/// Runs one call of the lease keeper as hedged attempts: when an attempt has not answered within the hedge delay,
/// another one starts beside it (a new stream or unary call, which round_robin puts on the next cluster member), and
/// so on every hedge delay until the deadline; the first answer wins and the others are cancelled.
/// </summary>
/// <remarks>
/// Why: a SIGSTOPped or swapped-out member keeps its TCP connection open, so the channel keeps balancing calls onto
/// it, and one call that lands there used to wait out its whole deadline (TTL/3): two keep-alives in a row outlasted a
/// 5 s lease, and a re-registration after a revoked lease took 2 s. A healthy etcd answers in milliseconds, so while
/// members answer no second attempt is ever sent. An attempt that fails fast (a member that is down) does not start
/// the next one early: the caller's own retry pacing stays as it is. Every attempt ends at the first one's deadline.
/// </remarks>
internal static class HedgedCall
{
    /// <summary>
    /// Starts <paramref name="attempt"/> (given the time left and a token that cancels it when another attempt won)
    /// and returns the first successful result. Throws the first failure once every started attempt has failed and
    /// no further attempt is due; a <see cref="LeaseNotFoundException"/> is etcd's answer, so it is thrown at once.
    /// </summary>
    public static async Task<T> RunAsync<T>(
        Func<TimeSpan, CancellationToken, Task<T>> attempt,
        TimeSpan timeout,
        TimeSpan hedgeDelay,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var attempts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new List<Task>(4) { StartAsync(attempt, timeout, attempts.Token) };
        var nextHedgeAt = hedgeDelay;
        Task? hedgeTimer = null;
        Exception? firstFailure = null;
        try
        {
            while (true)
            {
                if (hedgeTimer is null && hedgeDelay > TimeSpan.Zero && nextHedgeAt < timeout)
                {
                    var wait = nextHedgeAt - time.GetElapsedTime(started);
                    hedgeTimer = wait > TimeSpan.Zero ? Task.Delay(wait, time, attempts.Token) : Task.CompletedTask;
                }

                var finished = await Task.WhenAny(hedgeTimer is null ? [.. pending] : [.. pending, hedgeTimer]).ConfigureAwait(false);
                if (finished == hedgeTimer)
                {
                    hedgeTimer = null;
                    nextHedgeAt += hedgeDelay;
                    var left = timeout - time.GetElapsedTime(started);
                    if (left > TimeSpan.Zero)
                    {
                        pending.Add(StartAsync(attempt, left, attempts.Token));
                    }

                    continue;
                }

                pending.Remove(finished);
                var outcome = (Task<T>)finished;
                if (outcome.IsCompletedSuccessfully)
                {
                    return outcome.Result;
                }

                cancellationToken.ThrowIfCancellationRequested();
                var failure = outcome.Exception?.InnerException ?? new OperationCanceledException("An attempt was cancelled.");
                if (failure is LeaseNotFoundException)
                {
                    ExceptionDispatchInfo.Throw(failure);
                }

                firstFailure ??= failure;
                if (pending.Count == 0)
                {
                    ExceptionDispatchInfo.Throw(firstFailure);
                }
            }
        }
        finally
        {
            // The losers observe the token promptly (a cancelled gRPC call returns at once); awaiting them keeps every
            // attempt owned, and closes their streams before the next call.
            await attempts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // Async, so an attempt that throws before its first await fails its task instead of the hedging loop.
    private static async Task<T> StartAsync<T>(Func<TimeSpan, CancellationToken, Task<T>> attempt, TimeSpan timeout, CancellationToken cancellationToken) =>
        await attempt(timeout, cancellationToken).ConfigureAwait(false);
}
