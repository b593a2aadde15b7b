namespace Discovery.Hosting.Leasing;

/// <summary>One key and value a <see cref="LeaseKeeper"/> keeps in etcd under its lease.</summary>
/// <param name="Key">The full etcd key, key prefix included.</param>
/// <param name="Value">The value bytes.</param>
internal sealed record LeaseRecord(string Key, byte[] Value);
