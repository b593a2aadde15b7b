using Grpc.Core;
using Grpc.Net.Client.Configuration;

namespace Discovery.ClientFactory.Retry;

/// <summary>
/// Builds the opt-in <see cref="DiscoveryRetryOptions.Unavailable"/> retry on grpc-dotnet's retry policy: every method,
/// <c>Unavailable</c> and <c>Internal</c> (what server shutdown races surface as), exponential backoff.
/// </summary>
internal static class RetryServiceConfig
{
    /// <summary>Adds the retry policy to <paramref name="config"/>, unless the app set a default method config itself.</summary>
    public static void Apply(ServiceConfig config, DiscoveryRetryOptions options)
    {
        if (!options.Unavailable || config.MethodConfigs.Any(m => m.Names.Any(n => n.Service is null && n.Method is null)))
        {
            return;
        }

        var policy = new RetryPolicy
        {
            MaxAttempts = options.MaxAttempts,
            InitialBackoff = options.InitialBackoff,
            MaxBackoff = options.MaxBackoff,
            BackoffMultiplier = 2,
        };
        policy.RetryableStatusCodes.Add(StatusCode.Unavailable);
        policy.RetryableStatusCodes.Add(StatusCode.Internal);
        var method = new MethodConfig { RetryPolicy = policy };
        method.Names.Add(MethodName.Default);
        config.MethodConfigs.Add(method);
    }
}
