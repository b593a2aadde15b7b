using Discovery.ClientFactory.Configuration;

namespace Discovery.ClientFactory.Tests.Configuration;

public sealed class RetryOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new RetryOptionsValidator().Validate("EchoClient", new EtcdClientOptions()).Succeeded);

    [Fact]
    public void Validate_TooManyAttempts_FailsNamingTheKey()
    {
        var options = new EtcdClientOptions { Retry = { MaxAttempts = 6 } };

        var result = new RetryOptionsValidator().Validate("EchoClient", options);

        Assert.Contains("Discovery:Clients:EchoClient:Retry:MaxAttempts", result.FailureMessage, StringComparison.Ordinal);
    }
}
