using Discovery.ClientFactory.Routing;
using Grpc.Core;

namespace Discovery.ClientFactory;

/// <summary>
/// Per-call routing for clients set up with <c>UseEtcd()</c>: pin a call to one instance, choose the version it may
/// reach, or give the key the <see cref="DiscoveryPickers.ConsistentHash"/> picker hashes. Set it on one call through its
/// metadata (the header names below are fixed, so clients in other languages can send them too), or on every call
/// of an async flow with <see cref="Scope"/>. A call's own metadata wins over the ambient scope.
/// </summary>
/// <example>
/// <code>
/// // One call:
/// await client.UnaryEchoAsync(request, new CallOptions().WithInstance("s2"));
/// // Every call in this flow:
/// using (DiscoveryRouting.Scope(hashKey: customerId))
/// {
///     await client.UnaryEchoAsync(request);
/// }
/// </code>
/// </example>
public static class DiscoveryRouting
{
    /// <summary>The metadata header that pins a call to the instance with this id.</summary>
    public const string InstanceHeader = RoutingHeaders.Instance;

    /// <summary>The metadata header that lets a call reach only instances of this version (replacing the client's Version).</summary>
    public const string VersionHeader = RoutingHeaders.Version;

    /// <summary>The metadata header holding the key the consistent-hash picker places the call by.</summary>
    public const string HashKeyHeader = RoutingHeaders.HashKey;

    /// <summary>Pins the call to the instance whose id is <paramref name="instanceId"/>.</summary>
    /// <param name="metadata">The call's metadata; the header is added to it.</param>
    /// <param name="instanceId">The instance id (the <c>id</c> the server registered).</param>
    /// <returns><paramref name="metadata"/>, for chaining.</returns>
    public static Metadata WithInstance(this Metadata metadata, string instanceId) =>
        Set(metadata, InstanceHeader, instanceId, nameof(instanceId));

    /// <summary>Lets the call reach only instances registered with <paramref name="version"/>.</summary>
    /// <param name="metadata">The call's metadata; the header is added to it.</param>
    /// <param name="version">The version.</param>
    /// <returns><paramref name="metadata"/>, for chaining.</returns>
    public static Metadata WithVersion(this Metadata metadata, string version) =>
        Set(metadata, VersionHeader, version, nameof(version));

    /// <summary>Gives the key the consistent-hash picker places the call by.</summary>
    /// <param name="metadata">The call's metadata; the header is added to it.</param>
    /// <param name="hashKey">The key, such as a customer or partition id.</param>
    /// <returns><paramref name="metadata"/>, for chaining.</returns>
    public static Metadata WithHashKey(this Metadata metadata, string hashKey) =>
        Set(metadata, HashKeyHeader, hashKey, nameof(hashKey));

    /// <summary>Pins the call to the instance whose id is <paramref name="instanceId"/>.</summary>
    /// <param name="options">The call options; their headers are created when missing.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <returns>Call options whose headers carry the pin.</returns>
    public static CallOptions WithInstance(this CallOptions options, string instanceId) =>
        options.WithHeaders(HeadersOf(options).WithInstance(instanceId));

    /// <summary>Lets the call reach only instances registered with <paramref name="version"/>.</summary>
    /// <param name="options">The call options; their headers are created when missing.</param>
    /// <param name="version">The version.</param>
    /// <returns>Call options whose headers carry the version.</returns>
    public static CallOptions WithVersion(this CallOptions options, string version) =>
        options.WithHeaders(HeadersOf(options).WithVersion(version));

    /// <summary>Gives the key the consistent-hash picker places the call by.</summary>
    /// <param name="options">The call options; their headers are created when missing.</param>
    /// <param name="hashKey">The key.</param>
    /// <returns>Call options whose headers carry the key.</returns>
    public static CallOptions WithHashKey(this CallOptions options, string hashKey) =>
        options.WithHeaders(HeadersOf(options).WithHashKey(hashKey));

    /// <summary>
    /// Routes every call started in this async flow until the result is disposed; nested scopes override the
    /// values they set and inherit the others.
    /// </summary>
    /// <param name="instanceId">Pin calls to this instance, or null.</param>
    /// <param name="version">Reach only instances of this version, or null.</param>
    /// <param name="hashKey">The consistent-hash key, or null.</param>
    /// <returns>Dispose it to restore the routing that was in effect before.</returns>
    public static IDisposable Scope(string? instanceId = null, string? version = null, string? hashKey = null) =>
        RoutingScope.Enter(instanceId, version, hashKey);

    private static Metadata HeadersOf(CallOptions options) => options.Headers ?? [];

    private static Metadata Set(Metadata metadata, string header, string value, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentException.ThrowIfNullOrEmpty(value, parameterName);
        for (var i = metadata.Count - 1; i >= 0; i--)
        {
            if (string.Equals(metadata[i].Key, header, StringComparison.OrdinalIgnoreCase))
            {
                metadata.RemoveAt(i);
            }
        }

        metadata.Add(header, value);
        return metadata;
    }
}
