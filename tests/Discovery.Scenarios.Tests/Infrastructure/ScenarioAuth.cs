using System.Collections.Concurrent;
using Discovery.Testing;
using dotnet_etcd;

namespace Discovery.Scenarios.Tests.Infrastructure;

/// <summary>
/// The scenario suite's etcd auth mode, read once from <c>DISCOVERY_SCENARIOS_AUTH</c>: unset (or <c>off</c>) runs
/// every scenario on a plaintext etcd without auth; <c>roles</c> turns auth on in each etcd a scenario starts through
/// <see cref="StartEtcdAsync"/> and gives each participant its least-privilege user (<see cref="EtcdRoles"/>, made for
/// the scenario's service on first use): <see cref="ServerSet"/> servers log in as the server user, <see cref="LoadClient"/>
/// as the client user, control-record writes (<see cref="OpsClientAsync"/>) as the ops user, the Go client as the Go
/// client user (<see cref="GoClientCredentialsAsync"/>). The test's own observer
/// client (<see cref="EtcdNode.CreateClient"/>) stays root. Run: <c>DISCOVERY_SCENARIOS_AUTH=roles dotnet test
/// tests/Discovery.Scenarios.Tests --filter AuthMode!=excluded</c>.
/// </summary>
/// <remarks>
/// Scenarios outside the mode carry <c>[Trait(ScenarioAuth.Trait, ScenarioAuth.Excluded)]</c>: only
/// <c>LeastPrivilegeTests</c> and <c>NoSecretTests</c>, which start their own auth etcd with their own users in every
/// run, so the mode would only run them twice (the one place this is stated).
/// <para>Two scenarios need more than the three roles: the etcd wipe (etcd keeps users, roles and the auth switch in the
/// wiped data, so the scenario restores them as an operator would, <see cref="RestoreAfterWipeAsync"/>, and times
/// re-registration from there), and the Go client (etcd's Go resolver reads the prefix <c>{service}</c> without the
/// slash: <see cref="EtcdRoles.GoClientUser"/>).</para>
/// </remarks>
internal static class ScenarioAuth
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "DISCOVERY_SCENARIOS_AUTH";

    /// <summary>The trait name that marks scenarios outside the mode.</summary>
    public const string Trait = "AuthMode";

    /// <summary>The trait value of scenarios outside the mode.</summary>
    public const string Excluded = "excluded";

    private static readonly ConcurrentDictionary<string, EtcdNode> s_authNodes = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<(string Url, string Service), Lazy<Task<EtcdRoles>>> s_roles = new();

    /// <summary>True when <c>DISCOVERY_SCENARIOS_AUTH=roles</c>.</summary>
    public static bool Roles { get; } = Environment.GetEnvironmentVariable(Variable) switch
    {
        null or "" or "off" => false,
        "roles" => true,
        var other => throw new InvalidOperationException($"{Variable}='{other}': expected 'roles' or 'off' (or unset)."),
    };

    /// <summary>Starts the scenario's single etcd node: with auth (user root) in the roles mode, plain otherwise.</summary>
    public static async Task<EtcdNode> StartEtcdAsync()
    {
        var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = Roles });
        if (Roles)
        {
            s_authNodes[node.ClientUrl] = node;
        }

        return node;
    }

    /// <summary>
    /// Starts the scenario's three-member cluster: with auth (user root, set once for the cluster) in the roles mode,
    /// plain otherwise. Roles are made through the first member, so make them (<see cref="PrepareAsync"/>, or a
    /// <see cref="ServerSet"/> start) before a scenario stops it.
    /// </summary>
    public static async Task<EtcdCluster> StartClusterAsync()
    {
        var cluster = await EtcdCluster.StartAsync(new EtcdNodeOptions { EnableAuth = Roles }, 3);
        if (Roles)
        {
            s_authNodes[cluster.Members[0].ClientUrl] = cluster.Members[0];
        }

        return cluster;
    }

    /// <summary>Creates (once per etcd and service) the service's roles when the mode is on; call before etcd may go down.</summary>
    public static async Task PrepareAsync(IReadOnlyList<string> etcdUrls, string service) => await RolesAsync(etcdUrls, service);

    /// <summary>The server user's etcd arguments for <paramref name="service"/>, or none (plain mode, or an etcd not started here).</summary>
    public static async Task<IReadOnlyList<string>> ServerArgumentsAsync(IReadOnlyList<string> etcdUrls, string service) =>
        await RolesAsync(etcdUrls, service) is { } roles ? roles.Arguments(roles.ServerUser) : [];

    /// <summary>
    /// The server user's etcd arguments from roles already made by <see cref="PrepareAsync"/> (for starts that cannot
    /// wait: etcd may be down). Throws when the mode is on and the roles were not made yet: a scenario bug, said loudly.
    /// </summary>
    public static IReadOnlyList<string> ServerArguments(IReadOnlyList<string> etcdUrls, string service)
    {
        if (AuthNode(etcdUrls) is not { } node)
        {
            return [];
        }

        if (s_roles.TryGetValue((node.ClientUrl, service), out var lazy) && lazy.Value.IsCompletedSuccessfully)
        {
            var roles = lazy.Value.Result;
            return roles.Arguments(roles.ServerUser);
        }

        throw new InvalidOperationException(
            $"{Variable}=roles: the roles of '{service}' are not made yet; await ScenarioAuth.PrepareAsync (or ServerSet.StartAsync) before a server starts while etcd may be down.");
    }

    /// <summary>The client user's configuration for <paramref name="service"/>, or none.</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> ClientSettingsAsync(IReadOnlyList<string> etcdUrls, string service) =>
        await RolesAsync(etcdUrls, service) is { } roles
            ? new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["Discovery:Etcd:Username"] = roles.ClientUser,
                ["Discovery:Etcd:Password"] = roles.Password,
            }
            : new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// After <paramref name="etcd"/> restarted with its data wiped (users, roles and the auth switch were in that
    /// data; <see cref="EtcdNode.StartAgainAsync"/> turns auth on again with root), makes the scenario's users and roles
    /// again, as an operator restores them from a provisioning script. Nothing without the mode.
    /// </summary>
    public static async Task RestoreAfterWipeAsync(EtcdNode etcd, string service)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        if (await RolesAsync([etcd.ClientUrl], service) is { } roles)
        {
            await roles.RestoreAsync(etcd);
        }
    }

    /// <summary>The Go client user's login for <paramref name="service"/> (see <see cref="EtcdRoles.GoClientUser"/>), or none.</summary>
    public static async Task<(string User, string Password)?> GoClientCredentialsAsync(IReadOnlyList<string> etcdUrls, string service) =>
        await RolesAsync(etcdUrls, service) is { } roles ? (roles.GoClientUser, roles.Password) : null;

    /// <summary>An etcd client for control-record writes: the ops user in the mode, root (or no auth) otherwise. The caller disposes it.</summary>
    public static async Task<EtcdClient> OpsClientAsync(EtcdNode etcd, string service)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        var client = etcd.CreateClient();
        if (await RolesAsync([etcd.ClientUrl], service) is { } roles)
        {
            client.SetCredentials(roles.OpsUser, roles.Password);
        }

        return client;
    }

    private static EtcdNode? AuthNode(IReadOnlyList<string> etcdUrls) =>
        Roles && etcdUrls.Count > 0 && s_authNodes.TryGetValue(etcdUrls[0], out var node) ? node : null;

    private static async Task<EtcdRoles?> RolesAsync(IReadOnlyList<string> etcdUrls, string service)
    {
        if (AuthNode(etcdUrls) is not { } node)
        {
            return null;
        }

        var lazy = s_roles.GetOrAdd(
            (node.ClientUrl, service), key => new Lazy<Task<EtcdRoles>>(() => EtcdRoles.CreateAsync(node, key.Service)));
        return await lazy.Value;
    }
}
