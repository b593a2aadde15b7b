using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Registration;

/// <summary>
/// Ends <c>grpc.health.v1.Health/Watch</c> calls when <see cref="GrpcHealthLifecycle.WatchesEnd"/> fires: the health
/// service ends a watch when its call's token is cancelled, so the call gets a token that is also cancelled then.
/// Every other call passes through untouched (one string comparison per server-streaming call).
/// </summary>
internal sealed class HealthWatchInterceptor(GrpcHealthLifecycle lifecycle) : Interceptor
{
    internal const string WatchMethod = "/grpc.health.v1.Health/Watch";
    private const string HttpContextKey = "__HttpContext";

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        if (!string.Equals(context.Method, WatchMethod, StringComparison.Ordinal))
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }

        // grpc-dotnet finds the HttpContext of a replaced call context under this UserState key (its documented
        // fallback for custom contexts); the service activator needs it.
        context.UserState[HttpContextKey] = context.GetHttpContext();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifecycle.WatchesEnd);
        await continuation(request, responseStream, new EndableCallContext(context, linked.Token)).ConfigureAwait(false);
    }

    /// <summary>The call's context with a token that also fires when the watches end.</summary>
    private sealed class EndableCallContext(ServerCallContext inner, CancellationToken token) : ServerCallContext
    {
        protected override string MethodCore => inner.Method;

        protected override string HostCore => inner.Host;

        protected override string PeerCore => inner.Peer;

        protected override DateTime DeadlineCore => inner.Deadline;

        protected override Metadata RequestHeadersCore => inner.RequestHeaders;

        protected override CancellationToken CancellationTokenCore => token;

        protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;

        protected override Status StatusCore
        {
            get => inner.Status;
            set => inner.Status = value;
        }

        protected override WriteOptions? WriteOptionsCore
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        protected override AuthContext AuthContextCore => inner.AuthContext;

        protected override IDictionary<object, object> UserStateCore => inner.UserState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            inner.CreatePropagationToken(options);

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) =>
            inner.WriteResponseHeadersAsync(responseHeaders);
    }
}

/// <summary>Adds <see cref="HealthWatchInterceptor"/> to every gRPC service, once.</summary>
internal sealed class HealthWatchInterceptorSetup : IConfigureOptions<GrpcServiceOptions>
{
    public static readonly HealthWatchInterceptorSetup Instance = new();

    public void Configure(GrpcServiceOptions options) => options.Interceptors.Add<HealthWatchInterceptor>();
}
