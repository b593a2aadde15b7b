namespace EchoServer;

internal static partial class StartupLog
{
    [LoggerMessage(1, LogLevel.Information, "EchoServer listening on {Addresses}")]
    public static partial void Listening(ILogger logger, string addresses);
}
