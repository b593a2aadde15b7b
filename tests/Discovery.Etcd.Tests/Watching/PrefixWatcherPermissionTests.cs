using Discovery.Testing;
using Xunit.Abstractions;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>A watcher whose etcd user may not read its prefix, against real etcd with auth and the README's roles.</summary>
public sealed class PrefixWatcherPermissionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Watch_UserMayNotReadThePrefix_ReportsTheDenialNamingItAndRetriesWithoutLoggingInAgain()
    {
        await using var node = await EtcdNode.StartAsync(new EtcdNodeOptions { EnableAuth = true });
        var roles = await EtcdRoles.CreateAsync(node, "allowed");
        await using var watcher = WatcherUnderTest.Start(node.ClientUrl, "other", output, keyPrefix: string.Empty, configure: o =>
        {
            o.Username = roles.ClientUser;
            o.Password = roles.Password;
        });

        var denial = $"etcd denied range read of 'other/' to user '{roles.ClientUser}': its roles lack read permission on that prefix";
        await Eventually.UntilAsync(
            () => watcher.Logs.Entries.Count(e => e.Message.Contains(denial, StringComparison.Ordinal)) >= 3,
            TimeSpan.FromSeconds(20),
            "three denied listings (the first and two retries)");

        // The denial is the roles' answer, not a stale token: the one token is kept, so etcd hashes the password once.
        Assert.DoesNotContain(watcher.Logs.Entries, e => e.Message.Contains("Dropped the etcd auth token", StringComparison.Ordinal));
        Assert.False(watcher.Watcher.Current.IsSynced);
    }
}
