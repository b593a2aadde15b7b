using Discovery.Etcd.Connection;
using Discovery.Testing;
using Microsoft.Extensions.Logging;

namespace Discovery.Etcd.Tests.Connection;

public sealed class WarningsOnlyLoggerFactoryTests
{
    [Fact]
    public void CreateLogger_InformationAndWarning_PassesOnlyTheWarning()
    {
        using var capture = new CapturingLoggerProvider();
        using var inner = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(capture));
        using var factory = new WarningsOnlyLoggerFactory(inner);
        var logger = factory.CreateLogger("Grpc.Net.Client.Internal.GrpcCall");

        logger.LogInformation("Call failed with gRPC error status. Status code: 'FailedPrecondition'");
        logger.LogWarning("the channel is shutting down");

        Assert.Equal(["the channel is shutting down"], capture.Entries.Select(e => e.Message));
        Assert.False(logger.IsEnabled(LogLevel.Information));
    }
}
