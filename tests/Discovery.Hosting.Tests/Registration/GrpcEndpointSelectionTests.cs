using System.Collections.Concurrent;
using Discovery.Hosting.Registration;

namespace Discovery.Hosting.Tests.Registration;

public sealed class GrpcEndpointSelectionTests
{
    [Fact]
    public async Task SelectAsync_MixedAnswers_LeavesOutOnlyHttp1OnlyEndpoints()
    {
        var answers = new Dictionary<int, Http2Support>
        {
            [5001] = Http2Support.Http2,
            [5002] = Http2Support.Http1Only,
            [5003] = Http2Support.Unknown,
        };

        var (usable, http1Only, undetermined) = await GrpcEndpointSelection.SelectAsync(
            ["http://127.0.0.1:5001", "http://127.0.0.1:5002", "https://127.0.0.1:5003"],
            new EndpointFilter([]),
            (bound, _) => Task.FromResult(answers[bound.Port]),
            CancellationToken.None);

        Assert.Equal(["http://127.0.0.1:5001", "https://127.0.0.1:5003"], usable);
        Assert.Equal(["http://127.0.0.1:5002"], http1Only);
        Assert.Equal(["https://127.0.0.1:5003"], undetermined);
    }

    [Fact]
    public async Task SelectAsync_EndpointsOption_ProbesOnlyTheSelectedTcpEndpoints()
    {
        var probed = new ConcurrentBag<int>();

        var (usable, http1Only, _) = await GrpcEndpointSelection.SelectAsync(
            ["http://127.0.0.1:5001", "http://127.0.0.1:5002", "http://unix:/tmp/app.sock"],
            new EndpointFilter(["5001"]),
            (bound, _) =>
            {
                probed.Add(bound.Port);
                return Task.FromResult(Http2Support.Http2);
            },
            CancellationToken.None);

        Assert.Equal([5001], probed);
        Assert.Equal(["http://127.0.0.1:5001"], usable);
        Assert.Empty(http1Only);
    }

    [Fact]
    public void NoneLeftMessage_PlaintextEndpoint_NamesEndpointDefaultsProtocols()
    {
        var message = GrpcEndpointSelection.NoneLeftMessage("echo", ["http://0.0.0.0:5000"]);

        Assert.Contains("echo", message, StringComparison.Ordinal);
        Assert.Contains("http://0.0.0.0:5000", message, StringComparison.Ordinal);
        Assert.Contains("Kestrel:EndpointDefaults:Protocols to Http2", message, StringComparison.Ordinal);
    }
}
