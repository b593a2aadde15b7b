namespace Discovery.Hosting.Registration;

/// <summary>
/// The names under which the registration's own health check was added (options, filled by
/// <c>AddEtcdRegistrationCheck</c>). The health gate never counts them: a check that reports the withdrawal it causes
/// would keep the records out for good.
/// </summary>
internal sealed class RegistrationCheckNames
{
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
}
