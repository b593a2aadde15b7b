using System.Net.Http;

namespace Discovery.ClientFactory.Retry;

/// <summary>Tells an attempt that grpc-dotnet's retry policy sent again from a first attempt.</summary>
internal static class PolicyRetry
{
    /// <summary>The header grpc-dotnet puts on every attempt after the first (gRFC A6, "exposed retry metadata").</summary>
    public const string PreviousAttemptsHeader = "grpc-previous-rpc-attempts";

    public static bool IsRetry(HttpRequestMessage? request) =>
        request is not null && request.Headers.NonValidated.Contains(PreviousAttemptsHeader);
}
