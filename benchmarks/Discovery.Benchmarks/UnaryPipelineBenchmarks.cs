using BenchmarkDotNet.Attributes;
using Discovery.ClientFactory;
using Discovery.ClientFactory.Retry;
using Discovery.ClientFactory.Routing;
using Discovery.Etcd.Retry;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Discovery.Benchmarks;

/// <summary>
/// What the interceptors <c>UseEtcd()</c> adds cost one async unary call, as Grpc.Net.ClientFactory chains them
/// (<c>CallInvoker.Intercept</c>, one layer per interceptor) over a call invoker whose response completes after the
/// call started and is then awaited, as a caller's is. The baseline is the same invoker with no interceptor: the
/// harness's own cost (a pending response, the call object, the await) is in every row, so the bytes above the
/// baseline are the interceptors'. Picking is measured in <see cref="PickBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class UnaryPipelineBenchmarks
{
    private static readonly Metadata s_noMetadata = [];
    private static readonly Task<Metadata> s_responseHeaders = Task.FromResult(s_noMetadata);
    private static readonly Method<string, string> s_method =
        new(MethodType.Unary, "grpc.examples.echo.Echo", "UnaryEcho", Marshallers.StringMarshaller, Marshallers.StringMarshaller);

    private readonly PendingInvoker _invoker = new();
    private CallInvoker _bare = null!;
    private CallInvoker _useEtcd = null!;
    private CallInvoker _routingOnly = null!;
    private CallInvoker _retryOnly = null!;
    private CallInvoker _useEtcdUnavailable = null!;

    [GlobalSetup]
    public void Setup()
    {
        var retry = new DiscoveryRetryOptions();
        _bare = _invoker;
        // As UseEtcd() registers them: one layer, the retry running the routing interceptor around each attempt.
        _useEtcd = _invoker.Intercept(Retry(retry, new RoutingInterceptor(tracksLoad: false)));
        _routingOnly = _invoker.Intercept(new RoutingInterceptor(tracksLoad: false));
        _retryOnly = _invoker.Intercept(Retry(retry));
        _useEtcdUnavailable = _invoker.Intercept(Retry(new DiscoveryRetryOptions { Unavailable = true }, new RoutingInterceptor(tracksLoad: false)));
    }

    [Benchmark(Baseline = true, Description = "no interceptor")]
    public Task<string> Bare() => CallAsync(_bare);

    [Benchmark(Description = "UseEtcd() interceptors (never-reached retry on, round_robin)")]
    public Task<string> UseEtcd() => CallAsync(_useEtcd);

    [Benchmark(Description = "routing interceptor alone")]
    public Task<string> RoutingOnly() => CallAsync(_routingOnly);

    [Benchmark(Description = "never-reached retry interceptor alone")]
    public Task<string> RetryOnly() => CallAsync(_retryOnly);

    [Benchmark(Description = "UseEtcd() interceptors, Retry:Unavailable on (never-reached retry stands aside)")]
    public Task<string> UseEtcdUnavailable() => CallAsync(_useEtcdUnavailable);

    private static NeverReachedRetryInterceptor Retry(DiscoveryRetryOptions options, RoutingInterceptor? routing = null) =>
        new(options, TimeProvider.System, SharedJitterSource.Instance, routing: routing);

    private Task<string> CallAsync(CallInvoker invoker)
    {
        var pending = _invoker.Next();
        var awaiting = AwaitAsync(invoker.AsyncUnaryCall(s_method, null, default, "ping"));
        // The response arrives after the caller started awaiting it, as a real call's does.
        pending.SetResult("pong");
        return awaiting;
    }

    private static async Task<string> AwaitAsync(AsyncUnaryCall<string> call)
    {
        using (call)
        {
            return await call.ResponseAsync.ConfigureAwait(false);
        }
    }

    /// <summary>Answers every call with a response completed later by the benchmark.</summary>
    private sealed class PendingInvoker : CallInvoker
    {
        private TaskCompletionSource<string> _pending = null!;

        public TaskCompletionSource<string> Next() => _pending = new TaskCompletionSource<string>();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            new((Task<TResponse>)(object)_pending.Task, s_responseHeaders, static () => Status.DefaultSuccess, static () => s_noMetadata, static () => { });

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();
    }
}
