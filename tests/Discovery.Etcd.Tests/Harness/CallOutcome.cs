using Grpc.Core;

namespace Discovery.Etcd.Tests.Harness;

/// <summary>Classifies the ways an etcd call fails when the server or the path to it is gone.</summary>
internal static class CallOutcome
{
    /// <summary>True when <paramref name="call"/> fails as an unreachable or unresponsive server makes it fail.</summary>
    public static async Task<bool> FailsAsync(Func<Task> call)
    {
        try
        {
            await call();
            return false;
        }
        catch (RpcException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            // A deadline that expires mid-call may surface as TaskCanceledException.
            return true;
        }
    }
}
