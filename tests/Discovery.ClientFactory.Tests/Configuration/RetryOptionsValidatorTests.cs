using Discovery.ClientFactory.Configuration;

namespace Discovery.ClientFactory.Tests.Configuration;

public sealed class RetryOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new RetryOptionsValidator().Validate("EchoClient", new EtcdClientOptions()).Succeeded);

    [Fact]
    public void Defaults_AreTheReadmeBounds()
    {
        var retry = new DiscoveryRetryOptions();

        Assert.Equal((5, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)), (retry.MaxAttempts, retry.InitialBackoff, retry.MaxBackoff));
    }

    [Theory]
    [InlineData(0, 1000, "InitialBackoff")]
    [InlineData(-50, 1000, "InitialBackoff")]
    [InlineData(100, 99, "MaxBackoff")]
    public void Validate_BadBackoff_FailsNamingTheKey(int initialMilliseconds, int maxMilliseconds, string key)
    {
        var options = new EtcdClientOptions
        {
            Retry = { InitialBackoff = TimeSpan.FromMilliseconds(initialMilliseconds), MaxBackoff = TimeSpan.FromMilliseconds(maxMilliseconds) },
        };

        var result = new RetryOptionsValidator().Validate("EchoClient", options);

        Assert.Contains($"Discovery:Clients:EchoClient:Retry:{key}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TooManyAttempts_FailsNamingTheKey()
    {
        var options = new EtcdClientOptions { Retry = { MaxAttempts = 6 } };

        var result = new RetryOptionsValidator().Validate("EchoClient", options);

        Assert.Contains("Discovery:Clients:EchoClient:Retry:MaxAttempts", result.FailureMessage, StringComparison.Ordinal);
    }
}
