using Discovery.ClientFactory.Configuration;
using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Configuration;

public sealed class SubsetOptionsValidationTests
{
    private static readonly EtcdClientOptionsValidator s_validator = new(new PickerRegistry([]));

    [Fact]
    public void Defaults_SubsettingOff()
    {
        var options = new EtcdClientOptions { Service = "echo" };

        Assert.Equal((0, null), (options.Subset.Size, options.Subset.ClientIndex));
        Assert.True(s_validator.Validate("EchoClient", options).Succeeded);
    }

    [Fact]
    public void Validate_SizeAndIndex_Succeeds() =>
        Assert.True(s_validator.Validate("EchoClient", new EtcdClientOptions { Service = "echo", Subset = { Size = 20, ClientIndex = 0 } }).Succeeded);

    [Theory]
    [InlineData(-1, null, "Discovery:Clients:EchoClient:Subset:Size")]
    [InlineData(3, -2, "Discovery:Clients:EchoClient:Subset:ClientIndex")]
    public void Validate_Negative_FailsNamingTheKey(int size, int? clientIndex, string key)
    {
        var options = new EtcdClientOptions { Service = "echo", Subset = { Size = size, ClientIndex = clientIndex } };

        var result = s_validator.Validate("EchoClient", options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }
}
