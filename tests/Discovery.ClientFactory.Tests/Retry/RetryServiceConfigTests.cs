using Discovery.ClientFactory.Retry;
using Grpc.Core;
using Grpc.Net.Client.Configuration;

namespace Discovery.ClientFactory.Tests.Retry;

public sealed class RetryServiceConfigTests
{
    [Fact]
    public void Apply_OptionOff_AddsNoMethodConfig()
    {
        var config = new ServiceConfig();

        RetryServiceConfig.Apply(config, new DiscoveryRetryOptions());

        Assert.Empty(config.MethodConfigs);
    }

    [Fact]
    public void Apply_OptionOn_RetriesUnavailableAndInternalForEveryMethod()
    {
        var config = new ServiceConfig();

        RetryServiceConfig.Apply(config, new DiscoveryRetryOptions { Unavailable = true, MaxAttempts = 4 });

        var method = Assert.Single(config.MethodConfigs);
        var name = Assert.Single(method.Names);
        Assert.Null(name.Service);
        Assert.Null(name.Method);
        Assert.Equal([StatusCode.Unavailable, StatusCode.Internal], method.RetryPolicy!.RetryableStatusCodes);
        Assert.Equal(4, method.RetryPolicy.MaxAttempts);
    }

    [Fact]
    public void Apply_AppSetADefaultMethodConfig_KeepsIt()
    {
        var config = new ServiceConfig();
        var own = new MethodConfig { Names = { MethodName.Default } };
        config.MethodConfigs.Add(own);

        RetryServiceConfig.Apply(config, new DiscoveryRetryOptions { Unavailable = true });

        Assert.Same(own, Assert.Single(config.MethodConfigs));
    }
}
