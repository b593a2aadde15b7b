namespace Discovery.Cli;

/// <summary>
/// The tool's exit codes, one per kind of outcome, so scripts and CI can tell them apart. Public contract: documented
/// in the package README and never renumbered.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary><c>inspect</c> flagged at least one record.</summary>
    public const int Findings = 1;

    /// <summary>The command line or the configuration is wrong (unknown option, missing argument, invalid setting).</summary>
    public const int Usage = 2;

    /// <summary>etcd could not be reached (no endpoint answered within the timeout).</summary>
    public const int EtcdUnreachable = 3;

    /// <summary>etcd rejected the user name or password.</summary>
    public const int AuthenticationFailed = 4;

    /// <summary>The TLS set-up failed: etcd's certificate is not trusted, or etcd refused the client certificate.</summary>
    public const int Tls = 5;

    /// <summary>etcd denied the user access to a key the command reads or writes.</summary>
    public const int PermissionDenied = 6;

    /// <summary>The service or instance named is not in the registry.</summary>
    public const int NotFound = 7;

    /// <summary>The instance did not reach the state asked for (drained, paused, …) within <c>--timeout</c>.</summary>
    public const int Timeout = 8;

    /// <summary>Any other failure (an etcd error not listed above, a bug).</summary>
    public const int Failure = 9;
}
