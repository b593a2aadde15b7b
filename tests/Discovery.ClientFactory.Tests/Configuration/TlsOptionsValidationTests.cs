using Discovery.ClientFactory.Configuration;
using Discovery.ClientFactory.Picking;

namespace Discovery.ClientFactory.Tests.Configuration;

public sealed class TlsOptionsValidationTests
{
    private const string Section = "Discovery:Clients:EchoClient:Tls";

    private static string? FailureOf(EtcdClientTlsOptions tls) =>
        new EtcdClientOptionsValidator(new PickerRegistry([])).Validate("EchoClient", new EtcdClientOptions { Service = "echo", Tls = tls }).FailureMessage;

    [Fact]
    public void Validate_Off_Succeeds() => Assert.Null(FailureOf(new EtcdClientTlsOptions()));

    [Fact]
    public void Validate_SettingsWhileOff_FailNamingTheKeyAndEnabled()
    {
        var failure = FailureOf(new EtcdClientTlsOptions { ServerName = "echo.internal" });

        Assert.Contains($"{Section}:ServerName is set but {Section}:Enabled is false", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("https://echo.internal")]
    [InlineData("echo.internal:5001")]
    public void Validate_ServerNameNotADnsName_FailsNamingTheKey(string name) =>
        Assert.Contains($"{Section}:ServerName '{name}' must be a DNS name", FailureOf(new EtcdClientTlsOptions { Enabled = true, ServerName = name }), StringComparison.Ordinal);

    [Fact]
    public void Validate_MissingFiles_FailNamingEachKey()
    {
        var failure = FailureOf(new EtcdClientTlsOptions { Enabled = true, CaFile = "/nonexistent/ca.pem", CertFile = "/nonexistent/c.pem" });

        Assert.Contains($"{Section}:CaFile '/nonexistent/ca.pem' does not exist", failure, StringComparison.Ordinal);
        Assert.Contains($"{Section}:KeyFile is required when {Section}:CertFile is set", failure, StringComparison.Ordinal);
    }
}
