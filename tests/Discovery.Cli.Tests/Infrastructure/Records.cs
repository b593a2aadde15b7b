namespace Discovery.Cli.Tests.Infrastructure;

/// <summary>Record values as writers put them in etcd (Go's naming format), good and bad, for arranging tests.</summary>
internal static class Records
{
    /// <summary>A record as Discovery.Hosting writes it: metadata as a form string.</summary>
    public static string Form(string address, string metadata) =>
        $$"""{"Op":0,"Addr":"{{address}}","Metadata":"{{metadata}}"}""";

    /// <summary>A record as Go's endpoints.Manager writes it: metadata as a JSON object.</summary>
    public static string ObjectMetadata(string address, string id) =>
        $$$"""{"Op":0,"Addr":"{{{address}}}","Metadata":{"id":"{{{id}}}"}}""";
}
