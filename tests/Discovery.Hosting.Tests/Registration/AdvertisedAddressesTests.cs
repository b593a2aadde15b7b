using Discovery.Hosting.Registration;

namespace Discovery.Hosting.Tests.Registration;

public sealed class AdvertisedAddressesTests
{
    private static readonly EndpointFilter All = new([]);

    [Theory]
    [InlineData("http://0.0.0.0:5000", "10.1.2.3:5000")]
    [InlineData("http://[::]:5000", "10.1.2.3:5000")]
    [InlineData("http://*:5000", "10.1.2.3:5000")]
    [InlineData("http://+:5000", "10.1.2.3:5000")]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("http://localhost:5000", "127.0.0.1:5000")]
    [InlineData("http://[::1]:5000", "[::1]:5000")]
    [InlineData("http://10.9.9.9:5000", "10.9.9.9:5000")]
    [InlineData("https://echo.internal:5001", "echo.internal:5001")]
    [InlineData("http://[fe80::1]:5000", "[fe80::1]:5000")]
    public void Resolve_BoundUrl_PublishesDialableAddress(string bound, string expected)
    {
        var addresses = AdvertisedAddresses.Resolve([bound], All, advertisedHost: null, () => "10.1.2.3");

        Assert.Equal([expected], addresses);
    }

    [Fact]
    public void Resolve_AdvertisedHostSet_UsedForWildcardsOnly()
    {
        var addresses = AdvertisedAddresses.Resolve(
            ["http://0.0.0.0:5000", "http://127.0.0.1:5001"], All, "echo-1.internal", () => "10.1.2.3");

        Assert.Equal(["echo-1.internal:5000", "127.0.0.1:5001"], addresses);
    }

    [Fact]
    public void Resolve_IPv6AdvertisedHost_IsBracketed()
    {
        var addresses = AdvertisedAddresses.Resolve(["http://[::]:5000"], All, "fd00::5", () => "10.1.2.3");

        Assert.Equal(["[fd00::5]:5000"], addresses);
    }

    [Fact]
    public void Resolve_AddressesEndingUpIdentical_RegisteredOnce()
    {
        var addresses = AdvertisedAddresses.Resolve(
            ["http://0.0.0.0:5000", "http://[::]:5000", "http://localhost:5001", "http://127.0.0.1:5001"], All, null, () => "10.1.2.3");

        Assert.Equal(["10.1.2.3:5000", "127.0.0.1:5001"], addresses);
    }

    [Fact]
    public void Resolve_UnixSocket_Skipped()
    {
        var addresses = AdvertisedAddresses.Resolve(["http://unix:/tmp/echo.sock", "http://127.0.0.1:5000"], All, null, () => "10.1.2.3");

        Assert.Equal(["127.0.0.1:5000"], addresses);
    }

    [Fact]
    public void Resolve_EndpointFilter_KeepsOnlyMatchingPortsAndUrls()
    {
        var filter = new EndpointFilter(["5001", "http://0.0.0.0:5003"]);

        var addresses = AdvertisedAddresses.Resolve(
            ["http://127.0.0.1:5000", "http://127.0.0.1:5001", "http://0.0.0.0:5002", "http://0.0.0.0:5003"], filter, null, () => "10.1.2.3");

        Assert.Equal(["127.0.0.1:5001", "10.1.2.3:5003"], addresses);
    }

    [Fact]
    public void MachineAddress_Always_IsAnIPv4Address()
    {
        Assert.True(System.Net.IPAddress.TryParse(AdvertisedAddresses.MachineAddress(), out var ip));
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, ip.AddressFamily);
    }
}
