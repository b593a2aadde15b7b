namespace Discovery.Hosting.Leasing;

/// <summary>etcd no longer knows the lease (it expired, was revoked, or etcd lost its data).</summary>
internal sealed class LeaseNotFoundException : Exception
{
    public LeaseNotFoundException()
        : base("etcd does not know the lease.")
    {
    }

    public LeaseNotFoundException(string message)
        : base(message)
    {
    }

    public LeaseNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
