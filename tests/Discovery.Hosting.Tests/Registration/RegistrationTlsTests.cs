using Discovery.Etcd.Records;
using Discovery.Hosting.Registration;

namespace Discovery.Hosting.Tests.Registration;

public sealed class RegistrationTlsTests
{
    private static readonly EndpointFilter All = new([]);

    [Theory]
    [InlineData("https://127.0.0.1:5001", "echo.internal", null, "echo.internal")]
    [InlineData("https://echo.internal:5001", null, null, "echo.internal")]
    [InlineData("https://localhost:5001", null, null, "localhost")]
    [InlineData("https://0.0.0.0:5001", null, "echo-1.internal", "echo-1.internal")]
    [InlineData("https://0.0.0.0:5001", null, "10.0.0.7", null)]
    [InlineData("https://127.0.0.1:5001", null, null, null)]
    [InlineData("http://echo.internal:5000", "echo.internal", null, null)]
    public void TlsNameFor_BoundEndpoint_ConfiguredThenDnsHostThenAdvertisedDnsHostNeverAnIp(
        string bound, string? configured, string? advertisedHost, string? expected)
    {
        var endpoint = Assert.Single(AdvertisedAddresses.ResolveEndpoints([bound], All, advertisedHost, () => "10.1.2.3"));

        Assert.Equal(expected, RegistrationTls.TlsNameFor(endpoint, configured, advertisedHost));
    }

    [Fact]
    public void WithTransport_HttpsEndpoint_AddsSchemeAndTlsNameAndKeepsAddrHostPort()
    {
        var endpoint = new AdvertisedEndpoint("10.0.0.1:5001", Https: true, "0.0.0.0");
        var metadata = RegistrationTls.WithTransport(new EndpointMetadata("s1", "v1", 100, null, null), endpoint, "echo.internal");

        var json = System.Text.Encoding.UTF8.GetString(EndpointRecordCodec.Encode(endpoint.Address, metadata, RecordMetadataFormat.FormString));

        Assert.Contains("\"Addr\":\"10.0.0.1:5001\"", json, StringComparison.Ordinal);
        Assert.Contains("scheme=https", json, StringComparison.Ordinal);
        Assert.Contains("tlsname=echo.internal", json, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTransport_PlaintextEndpoint_LeavesTheMetadataAsIs()
    {
        var metadata = new EndpointMetadata("s1", "v1", 100, null, null);

        Assert.Same(metadata, RegistrationTls.WithTransport(metadata, new AdvertisedEndpoint("10.0.0.1:5000", Https: false, "0.0.0.0"), "echo.internal"));
    }

    [Fact]
    public void ResolveEndpoints_HttpAndHttps_TellsWhichServesTls()
    {
        var endpoints = AdvertisedAddresses.ResolveEndpoints(["http://127.0.0.1:5000", "https://127.0.0.1:5001"], All, null, () => "10.1.2.3");

        Assert.Equal([false, true], endpoints.Select(e => e.Https));
    }
}
