namespace Discovery.Testing;

/// <summary>How <see cref="EtcdNode.StartAsync(EtcdNodeOptions, CancellationToken)"/> configures a single etcd node.</summary>
public sealed class EtcdNodeOptions
{
    /// <summary>The member name; a unique one is generated when null.</summary>
    public string? Name { get; init; }

    /// <summary>Serve https with <see cref="Certificates"/> (or a fresh set) and require client certificates.</summary>
    public bool Tls { get; init; }

    /// <summary>Certificates for <see cref="Tls"/>; when null the node creates and owns a set.</summary>
    public TestCertificates? Certificates { get; init; }

    /// <summary>After start, create user <c>root</c> with <see cref="RootPassword"/>, grant it role root and enable auth.</summary>
    public bool EnableAuth { get; init; }

    /// <summary>The password of user root when <see cref="EnableAuth"/> is set.</summary>
    public string RootPassword { get; init; } = "root-secret";

    /// <summary>Extra etcd command line arguments, appended last (so they can override the defaults).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
