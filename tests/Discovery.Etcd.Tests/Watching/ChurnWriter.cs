using Discovery.Etcd.Connection;
using Discovery.Etcd.Records;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Discovery.Etcd.Tests.Watching;

/// <summary>
/// Keeps putting (with changing metadata) and deleting the records of a pool of addresses under a service, through
/// its own connection, ignoring failures while etcd is down. <see cref="PauseAsync"/> returns once no write is in
/// flight, so etcd's contents stay still until <see cref="Resume"/>.
/// </summary>
internal sealed class ChurnWriter : IAsyncDisposable
{
    private readonly EtcdConnection _connection;
    private readonly string _service;
    private readonly string[] _addresses;
    private readonly Random _random;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Task _loop;
    private int _writes;
    private int _failures;
    private int _version;

    public ChurnWriter(EtcdConnection connection, string service, int poolSize = 30, int seed = 1)
    {
        _connection = connection;
        _service = service;
        _addresses = [.. Enumerable.Range(1, poolSize).Select(i => $"10.9.{i / 250}.{i % 250}:8080")];
        _random = new Random(seed);
        _loop = Task.Run(RunAsync);
    }

    public int Writes => Volatile.Read(ref _writes);

    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Waits until at least <paramref name="count"/> more writes succeeded.</summary>
    public Task WaitForWritesAsync(int count, TimeSpan timeout)
    {
        var target = Writes + count;
        return Discovery.Testing.Eventually.UntilAsync(() => Writes >= target, timeout, $"{count} more successful writes");
    }

    public async Task PauseAsync() => await _turn.WaitAsync();

    public void Resume() => _turn.Release();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _turn.WaitAsync(token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await WriteOnceAsync(token);
                Interlocked.Increment(ref _writes);
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException)
            {
                if (ex is RpcException rpc)
                {
                    _connection.ReportFailure(rpc);
                }

                Interlocked.Increment(ref _failures);
            }
            finally
            {
                _turn.Release();
            }

            try
            {
                // Paces the churn so it does not starve the two cores the whole suite shares.
                await Task.Delay(4, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WriteOnceAsync(CancellationToken token)
    {
        var address = _addresses[_random.Next(_addresses.Length)];
        var key = ByteString.CopyFromUtf8(ServiceKeys.EndpointKey(_connection.KeyPrefix, _service, address));
        var options = _connection.UnaryOptions(token, TimeSpan.FromSeconds(1));
        if (_random.Next(3) == 0)
        {
            await _connection.KV.DeleteRangeAsync(new DeleteRangeRequest { Key = key }, options);
            return;
        }

        var metadata = new EndpointMetadata($"i{address}", $"v{++_version}", 1 + _random.Next(200), "z1", null);
        var format = _random.Next(2) == 0 ? RecordMetadataFormat.FormString : RecordMetadataFormat.JsonObject;
        var value = ByteString.CopyFrom(EndpointRecordCodec.Encode(address, metadata, format));
        await _connection.KV.PutAsync(new PutRequest { Key = key, Value = value }, options);
    }
}
