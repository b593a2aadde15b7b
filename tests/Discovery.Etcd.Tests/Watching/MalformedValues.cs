using System.Text;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>Record values that etcd stores happily but that are no endpoint record, one per way of being wrong.</summary>
internal static class MalformedValues
{
    public static IReadOnlyList<(string Kind, byte[] Value)> All() =>
    [
        ("not JSON", Utf8("hello")),
        ("empty", []),
        ("JSON array", Utf8("[\"10.0.0.1:80\"]")),
        ("no Addr", Utf8("{\"Op\":0,\"Metadata\":null}")),
        ("Addr a number", Utf8("{\"Op\":0,\"Addr\":8080}")),
        ("Addr without port", Utf8("{\"Op\":0,\"Addr\":\"10.0.0.1\"}")),
        ("port out of range", Utf8("{\"Op\":0,\"Addr\":\"10.0.0.1:70000\"}")),
        ("negative weight", Utf8("{\"Op\":0,\"Addr\":\"10.0.0.1:80\",\"Metadata\":\"weight=-3\"}")),
        ("weight not a number", Utf8("{\"Addr\":\"10.0.0.1:80\",\"Metadata\":{\"weight\":\"heavy\"}}")),
        ("data after the object", Utf8("{\"Addr\":\"10.0.0.1:80\"} trailing")),
        ("truncated JSON", Utf8("{\"Op\":0,\"Addr\":\"10.0.")),
        ("invalid UTF-8", [0xff, 0xfe, 0x7b, 0x7d]),
        ("host with a space", Utf8("{\"Addr\":\"bad host:80\"}")),
        // Valid but for its size: over the default EtcdOptions.MaxRecordBytes of 64 KiB.
        ("over 64 KiB", Utf8("{\"Addr\":\"10.0.0.1:80\",\"Metadata\":\"" + new string('x', 65 * 1024) + "\"}")),
    ];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
