using Authpb;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Discovery.Testing;

/// <summary>
/// The least-privilege etcd set-up the README gives, made on an auth node (<see cref="EtcdNodeOptions.EnableAuth"/>)
/// for one service: a server role (read and write <c>{service}/</c> and <c>_discovery/status/{service}/</c>, read
/// <c>_discovery/control/{service}/</c>), a client role (read <c>{service}/</c>) and an ops role (read and write
/// <c>_discovery/control/</c>, read <c>_discovery/status/</c>), each with a user of the same name; and a Go client
/// role (read the prefix <c>{service}</c> without the slash, which etcd's Go resolver reads).
/// </summary>
/// <example><code>
/// var roles = await EtcdRoles.CreateAsync(etcd, "echo");
/// // EchoServer: --Discovery:Etcd:Username={roles.ServerUser} --Discovery:Etcd:Password={roles.Password}
/// </code></example>
public sealed class EtcdRoles
{
    private EtcdRoles(string service, string suffix)
    {
        Service = service;
        ServerUser = $"{service.Replace('/', '-')}-server{suffix}";
        ClientUser = $"{service.Replace('/', '-')}-client{suffix}";
        OpsUser = $"discovery-ops{suffix}";
        GoClientUser = $"{service.Replace('/', '-')}-go-client{suffix}";
    }

    /// <summary>The service the roles are for.</summary>
    public string Service { get; }

    /// <summary>The server's user (role of the same name).</summary>
    public string ServerUser { get; }

    /// <summary>The client's user.</summary>
    public string ClientUser { get; }

    /// <summary>The operators' user.</summary>
    public string OpsUser { get; }

    /// <summary>
    /// The user of a Go client using etcd's resolver: it reads <c>Get(service, WithPrefix())</c>, the range
    /// <c>{service}</c>…, so its role grants read on <c>{service}</c> without the slash (which also covers services
    /// whose names start with it).
    /// </summary>
    public string GoClientUser { get; }

    /// <summary>The password of every user here (a test value: the secret test looks for it in every output).</summary>
    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");

    /// <summary>The etcd configuration arguments that log in as <paramref name="user"/>.</summary>
    public IReadOnlyList<string> Arguments(string user) =>
        [$"--Discovery:Etcd:Username={user}", $"--Discovery:Etcd:Password={Password}"];

    /// <summary>Creates the roles and users for <paramref name="service"/>, as root.</summary>
    public static async Task<EtcdRoles> CreateAsync(EtcdNode etcd, string service)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        var roles = new EtcdRoles(service, "-" + Guid.NewGuid().ToString("N")[..6]);
        await roles.RestoreAsync(etcd).ConfigureAwait(false);
        return roles;
    }

    /// <summary>
    /// Creates these roles and users (same names, same password) as root: on a node whose data was wiped, this is the
    /// operator restoring the auth set-up from their provisioning script.
    /// </summary>
    public async Task RestoreAsync(EtcdNode etcd)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        using var root = etcd.CreateClient();
        await AddAsync(root, ServerUser, [
            ($"{Service}/", Permission.Types.Type.Readwrite),
            ($"_discovery/status/{Service}/", Permission.Types.Type.Readwrite),
            ($"_discovery/control/{Service}/", Permission.Types.Type.Read),
        ]).ConfigureAwait(false);
        await AddAsync(root, ClientUser, [($"{Service}/", Permission.Types.Type.Read)]).ConfigureAwait(false);
        await AddAsync(root, GoClientUser, [(Service, Permission.Types.Type.Read)]).ConfigureAwait(false);
        await AddAsync(root, OpsUser, [
            ("_discovery/control/", Permission.Types.Type.Readwrite),
            ("_discovery/status/", Permission.Types.Type.Read),
        ]).ConfigureAwait(false);
    }

    private async Task AddAsync(EtcdClient root, string name, IReadOnlyList<(string Prefix, Permission.Types.Type Type)> permissions)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        await root.RoleAddAsync(new AuthRoleAddRequest { Name = name }, deadline: deadline).ConfigureAwait(false);
        foreach (var (prefix, type) in permissions)
        {
            await root.RoleGrantPermissionAsync(
                new AuthRoleGrantPermissionRequest
                {
                    Name = name,
                    Perm = new Permission
                    {
                        Key = ByteString.CopyFromUtf8(prefix),
                        RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(prefix)),
                        PermType = type,
                    },
                },
                deadline: deadline).ConfigureAwait(false);
        }

        await root.UserAddAsync(new AuthUserAddRequest { Name = name, Password = Password }, deadline: deadline).ConfigureAwait(false);
        await root.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = name, Role = name }, deadline: deadline).ConfigureAwait(false);
    }
}
