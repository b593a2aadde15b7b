using Discovery.ClientFactory.Routing;
using Grpc.Core;

namespace Discovery.ClientFactory.Tests.Routing;

public sealed class DiscoveryRoutingTests
{
    [Fact]
    public void WithInstance_CallOptionsWithoutHeaders_AddsTheFixedHeader()
    {
        var options = new CallOptions().WithInstance("s2");

        Assert.Equal("s2", options.Headers!.GetValue("discovery-instance"));
    }

    [Fact]
    public void WithVersionAndHashKey_Chained_AddBothHeaders()
    {
        var metadata = new Metadata().WithVersion("v2").WithHashKey("k");

        Assert.Equal(("v2", "k"), (metadata.GetValue("discovery-version"), metadata.GetValue("discovery-hash-key")));
    }

    [Fact]
    public void WithInstance_Twice_KeepsOnlyTheLast()
    {
        var metadata = new Metadata().WithInstance("s1").WithInstance("s2");

        Assert.Equal(["s2"], metadata.GetAll("discovery-instance").Select(e => e.Value));
    }

    [Fact]
    public void Resolve_HeaderAndScope_HeaderWinsScopeFillsTheRest()
    {
        using var scope = DiscoveryRouting.Scope(instanceId: "from-scope", hashKey: "scope-key");

        var routing = CallRouting.Resolve(new Metadata().WithInstance("from-header"));

        Assert.Equal(new CallRouting("from-header", null, "scope-key"), routing);
    }

    [Fact]
    public void Scope_Nested_InheritsAndRestores()
    {
        using (DiscoveryRouting.Scope(version: "v1"))
        {
            using (DiscoveryRouting.Scope(hashKey: "k"))
            {
                Assert.Equal(new CallRouting(null, "v1", "k"), CallRouting.Resolve(null));
            }

            Assert.Equal(new CallRouting(null, "v1", null), CallRouting.Resolve(null));
        }

        Assert.True(CallRouting.Resolve(null).IsEmpty);
    }
}
