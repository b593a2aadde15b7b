namespace Discovery.Testing.Internal;

/// <summary>The etcd flags of a test node: loopback only, fast raft timings, zap logs on stderr.</summary>
internal static class EtcdCommandLine
{
    public static List<string> Build(EtcdNode node)
    {
        var arguments = new List<string>
        {
            "--name", node.Name,
            "--data-dir", node.DataDirectory,
            "--listen-client-urls", node.ClientUrl,
            "--advertise-client-urls", node.ClientUrl,
            "--listen-peer-urls", node.PeerUrl,
            "--initial-advertise-peer-urls", node.PeerUrl,
            "--initial-cluster", node.InitialCluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", node.ClusterToken,
            // These equal etcd 3.4 defaults; pinned so elections stay ~1-2 s whatever the packaged defaults become.
            "--heartbeat-interval", "100",
            "--election-timeout", "1000",
            "--enable-pprof=false",
            "--logger=zap",
            "--log-outputs=stderr",
        };
        if (node.Options.Tls)
        {
            var certificates = node.Certificates!;
            arguments.AddRange(
            [
                "--cert-file", certificates.ServerCertFile,
                "--key-file", certificates.ServerKeyFile,
                "--trusted-ca-file", certificates.CaFile,
                "--client-cert-auth",
            ]);
        }

        arguments.AddRange(node.Options.ExtraArguments);
        return arguments;
    }
}
