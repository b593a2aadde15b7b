using System.Text.Json;
using Discovery.Testing;

namespace Discovery.ClientFactory.Tests.EndToEnd;

/// <summary>Runs the real EchoClient sample and reads its <c>summary {json}</c> line.</summary>
internal static class EchoClientProcess
{
    public static ChildProcess Start(string etcdUrl, params string[] args) =>
        ChildProcess.StartDotnet(
            SampleApps.EchoClientDll,
            [$"--Discovery:Etcd:Endpoints:0={etcdUrl}", "--Logging:LogLevel:Default=Warning", .. args]);

    public static async Task<ClientSummary> RunAsync(string etcdUrl, TimeSpan timeout, params string[] args)
    {
        await using var process = Start(etcdUrl, args);
        return await SummaryOfAsync(process, timeout);
    }

    public static async Task<ClientSummary> SummaryOfAsync(ChildProcess process, TimeSpan timeout)
    {
        var exitCode = await process.WaitForExitAsync(timeout);
        var last = process.StandardOutputLines.LastOrDefault() ?? string.Empty;
        Assert.True(
            exitCode == 0 && last.StartsWith("summary ", StringComparison.Ordinal),
            $"EchoClient exited {exitCode}; last stdout line: '{last}'; stderr tail: {string.Join(" | ", process.StandardErrorLines.TakeLast(8))}");
        return ClientSummary.Parse(last["summary ".Length..]);
    }
}

/// <summary>The EchoClient's summary.</summary>
internal sealed record ClientSummary(
    long Calls,
    long Failed,
    IReadOnlyDictionary<string, long> ByInstance,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyDictionary<string, string> ErrorMessages,
    double P50Ms,
    double P99Ms)
{
    public long CallsTo(string instance) => ByInstance.GetValueOrDefault(instance);

    public static ClientSummary Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new ClientSummary(
            root.GetProperty("calls").GetInt64(),
            root.GetProperty("failed").GetInt64(),
            root.GetProperty("byInstance").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()),
            root.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()),
            root.GetProperty("errorMessages").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty),
            root.GetProperty("p50Ms").GetDouble(),
            root.GetProperty("p99Ms").GetDouble());
    }

    public override string ToString() =>
        $"calls={Calls} failed={Failed} byInstance={string.Join(',', ByInstance.Select(p => $"{p.Key}:{p.Value}"))} errors={string.Join(',', Errors.Select(p => $"{p.Key}:{p.Value}"))} messages={string.Join(" | ", ErrorMessages.Values)}";
}
