using Discovery.Etcd.Connection;
using Discovery.Testing;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Etcd.Tests.Connection;

/// <summary>Options for a test node, and a put through an <see cref="EtcdConnection"/>.</summary>
internal static class EtcdTestConnections
{
    public static EtcdOptions OptionsFor(EtcdNode node, string? password = null, string? caFile = null, bool clientCertificate = true)
    {
        var options = new EtcdOptions { Endpoints = { node.ClientUrl } };
        if (node.Options.EnableAuth)
        {
            options.Username = "root";
            options.Password = password ?? node.Options.RootPassword;
        }

        if (node.Certificates is { } certificates)
        {
            options.Tls.CaFile = caFile ?? certificates.CaFile;
            if (clientCertificate)
            {
                options.Tls.CertFile = certificates.ClientCertFile;
                options.Tls.KeyFile = certificates.ClientKeyFile;
            }
        }

        return options;
    }

    public static async Task<PutResponse> PutAsync(this EtcdConnection connection, string key, string value, TimeSpan? timeout = null)
    {
        var request = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) };
        return await connection.KV.PutAsync(request, connection.UnaryOptions(CancellationToken.None, timeout));
    }

    public static async Task<string?> GetAsync(this EtcdConnection connection, string key)
    {
        var response = await connection.KV.RangeAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8(key) },
            connection.UnaryOptions(CancellationToken.None));
        return response.Kvs.Count == 0 ? null : response.Kvs[0].Value.ToStringUtf8();
    }
}
