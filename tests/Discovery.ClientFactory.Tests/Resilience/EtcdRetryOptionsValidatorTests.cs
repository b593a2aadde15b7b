using Discovery.ClientFactory.Resilience;

namespace Discovery.ClientFactory.Tests.Resilience;

public sealed class EtcdRetryOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new EtcdRetryOptionsValidator().Validate("EchoClient", new EtcdClientOptions()).Succeeded);

    [Fact]
    public void Validate_TooManyAttempts_FailsNamingTheKey()
    {
        var options = new EtcdClientOptions { Retry = { MaxAttempts = 6 } };

        var result = new EtcdRetryOptionsValidator().Validate("EchoClient", options);

        Assert.Contains("Discovery:Clients:EchoClient:Retry:MaxAttempts", result.FailureMessage, StringComparison.Ordinal);
    }
}
