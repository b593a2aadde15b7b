namespace Discovery.ClientFactory.Diagnostics;

/// <summary>Records that <c>UseEtcd()</c> set up the gRPC client named <paramref name="Name"/>.</summary>
/// <param name="Name">The client name.</param>
internal sealed record EtcdClientRegistration(string Name);
