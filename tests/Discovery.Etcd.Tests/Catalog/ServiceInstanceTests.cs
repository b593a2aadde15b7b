namespace Discovery.Etcd.Tests.Catalog;

public sealed class ServiceInstanceTests
{
    [Theory]
    [InlineData("10.0.0.1:5001", "10.0.0.1", 5001)]
    [InlineData("[::1]:80", "::1", 80)]
    [InlineData("echo.internal:65535", "echo.internal", 65535)]
    public void Constructor_HostPort_SplitsTheAddress(string address, string host, int port)
    {
        var instance = new ServiceInstance(address, "s1", "v1", "eu-1", 30, new Dictionary<string, string> { ["team"] = "blue" });

        Assert.Equal((address, host, port, "s1", "v1", "eu-1", 30), (instance.Address, instance.Host, instance.Port, instance.Id, instance.Version, instance.Zone, instance.Weight));
        Assert.Equal("blue", instance.Metadata["team"]);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("10.0.0.1:0")]
    [InlineData("10.0.0.1:70000")]
    [InlineData("::1:80")]
    [InlineData("[::1:80")]
    [InlineData(":80")]
    public void Constructor_NotHostPort_ThrowsNamingTheAddress(string address)
    {
        var exception = Assert.Throws<ArgumentException>(() => new ServiceInstance(address, null, null, null, 100, null));

        Assert.Equal("address", exception.ParamName);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("weight")]
    [InlineData("")]
    public void Constructor_ReservedOrEmptyMetadataKey_Throws(string key) =>
        Assert.Throws<ArgumentException>(() => new ServiceInstance("10.0.0.1:80", null, null, null, 100, new Dictionary<string, string> { [key] = "x" }));

    [Fact]
    public void Constructor_WeightZero_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceInstance("10.0.0.1:80", null, null, null, 0, null));

    [Fact]
    public void Id_NoneGiven_IsTheAddress() =>
        Assert.Equal("10.0.0.1:80", new ServiceInstance("10.0.0.1:80", null, null, null, 100, null).Id);

    [Fact]
    public void Equals_SameAddressAndMetadata_AreEqual()
    {
        var a = new ServiceInstance("10.0.0.1:80", "s1", "v1", null, 100, new Dictionary<string, string> { ["k"] = "v" });
        var b = new ServiceInstance("10.0.0.1:80", "s1", "v1", null, 100, new Dictionary<string, string> { ["k"] = "v" });
        var c = new ServiceInstance("10.0.0.1:80", "s1", "v2", null, 100, new Dictionary<string, string> { ["k"] = "v" });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }
}
