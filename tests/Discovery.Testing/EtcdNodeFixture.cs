namespace Discovery.Testing;

/// <summary>An xunit class fixture: one plaintext single-node etcd shared by the tests of a class.</summary>
/// <example><code>public sealed class PrefixWatcherTests(EtcdNodeFixture etcd) : IClassFixture&lt;EtcdNodeFixture&gt; { ... }</code></example>
public sealed class EtcdNodeFixture : IAsyncLifetime
{
    private EtcdNode? _node;

    /// <summary>The running node.</summary>
    public EtcdNode Node => _node ?? throw new InvalidOperationException("The fixture is not initialized yet.");

    /// <summary>Starts the node.</summary>
    public async Task InitializeAsync() => _node = await EtcdNode.StartAsync().ConfigureAwait(false);

    /// <summary>Kills the node and deletes its data.</summary>
    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
