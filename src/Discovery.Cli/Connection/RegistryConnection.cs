using Discovery.Etcd;
using Discovery.Etcd.Connection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Discovery.Cli.Connection;

/// <summary>
/// A command's way into etcd: the library's read API (<see cref="IServiceCatalog"/>, as clients see the registry)
/// and, for what that API does not show (keys, leases, control and status records), the same internal connection
/// the libraries use, both built from one validated set of <see cref="EtcdOptions"/>.
/// </summary>
internal sealed class RegistryConnection : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private RegistryConnection(ServiceProvider services, EtcdOptions options)
    {
        _services = services;
        Options = options;
        Catalog = services.GetRequiredService<IServiceCatalog>();
        Etcd = new EtcdConnection(options);
    }

    public EtcdOptions Options { get; }

    /// <summary>The read API, as <c>AddDiscoveryEtcd()</c> registers it.</summary>
    public IServiceCatalog Catalog { get; }

    /// <summary>The raw etcd connection.</summary>
    public EtcdConnection Etcd { get; }

    /// <summary>The normalized key prefix (ends with <c>/</c>, or empty).</summary>
    public string KeyPrefix => Etcd.KeyPrefix;

    /// <summary>How long one read or write may take before etcd counts as unreachable.</summary>
    public TimeSpan RequestTimeout => Options.RequestTimeout;

    /// <summary>Validates <paramref name="configured"/> as the library does at start-up, and connects lazily.</summary>
    /// <exception cref="CliException">An option is invalid (the message names its configuration key).</exception>
    public static RegistryConnection Open(EtcdOptions configured)
    {
        var services = new ServiceCollection()
            .AddDiscoveryEtcd(o =>
            {
                o.Endpoints = [.. configured.Endpoints];
                o.Username = configured.Username;
                o.Password = configured.Password;
                o.KeyPrefix = configured.KeyPrefix;
                o.Tls = configured.Tls;
                o.ConnectTimeout = configured.ConnectTimeout;
                o.RequestTimeout = configured.RequestTimeout;
                o.KeepAliveInterval = configured.KeepAliveInterval;
                o.DataLossGracePeriod = configured.DataLossGracePeriod;
                o.MaxRecordBytes = configured.MaxRecordBytes;
            })
            .BuildServiceProvider();
        try
        {
            var options = services.GetRequiredService<IOptions<EtcdOptions>>().Value;
            return new RegistryConnection(services, options);
        }
        catch (OptionsValidationException ex)
        {
            services.Dispose();
            throw new CliException(ExitCodes.Usage, "Invalid etcd settings:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", ex.Failures));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Etcd.Dispose();
        await _services.DisposeAsync().ConfigureAwait(false);
    }
}
