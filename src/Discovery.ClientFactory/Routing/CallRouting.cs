using Grpc.Core;

namespace Discovery.ClientFactory.Routing;

/// <summary>What one call asks of the picker: a pinned instance, a version, a hash key (each optional).</summary>
internal readonly record struct CallRouting(string? InstanceId, string? Version, string? HashKey)
{
    public bool IsEmpty => InstanceId is null && Version is null && HashKey is null;

    /// <summary>The call's own headers first, then the ambient scope for whatever the headers leave unset.</summary>
    public static CallRouting Resolve(Metadata? headers)
    {
        string? instance = null, version = null, hashKey = null;
        if (headers is not null)
        {
            for (var i = 0; i < headers.Count; i++)
            {
                var entry = headers[i];
                if (entry.IsBinary)
                {
                    continue;
                }

                switch (entry.Key)
                {
                    case RoutingHeaders.Instance:
                        instance = NullIfEmpty(entry.Value);
                        break;
                    case RoutingHeaders.Version:
                        version = NullIfEmpty(entry.Value);
                        break;
                    case RoutingHeaders.HashKey:
                        hashKey = NullIfEmpty(entry.Value);
                        break;
                }
            }
        }

        var scope = RoutingScope.Current;
        return scope is null
            ? new CallRouting(instance, version, hashKey)
            : new CallRouting(instance ?? scope.InstanceId, version ?? scope.Version, hashKey ?? scope.HashKey);
    }

    /// <summary>The routing of a request whose pick runs outside the interceptor's call start: its headers, then the scope.</summary>
    public static CallRouting FromRequest(HttpRequestMessage? request)
    {
        string? instance = null, version = null, hashKey = null;
        if (request is not null)
        {
            var headers = request.Headers.NonValidated;
            instance = Header(headers, RoutingHeaders.Instance);
            version = Header(headers, RoutingHeaders.Version);
            hashKey = Header(headers, RoutingHeaders.HashKey);
        }

        var scope = RoutingScope.Current;
        return scope is null
            ? new CallRouting(instance, version, hashKey)
            : new CallRouting(instance ?? scope.InstanceId, version ?? scope.Version, hashKey ?? scope.HashKey);
    }

    private static string? Header(System.Net.Http.Headers.HttpHeadersNonValidated headers, string name)
    {
        if (!headers.TryGetValues(name, out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            return NullIfEmpty(value);
        }

        return null;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
