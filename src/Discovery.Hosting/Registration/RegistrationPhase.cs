namespace Discovery.Hosting.Registration;

/// <summary>The registration service's own life, around its lease keeper's state.</summary>
internal enum RegistrationPhase
{
    /// <summary>The host has not started yet.</summary>
    NotStarted = 0,

    /// <summary><see cref="EtcdRegistrationOptions.Enabled"/> is false.</summary>
    Disabled = 1,

    /// <summary>No bound TCP address to register (TestServer, or the endpoint filter matched none).</summary>
    NoAddresses = 2,

    /// <summary>The lease keeper runs; its state tells the rest.</summary>
    Running = 3,

    /// <summary>Deregistered at shutdown.</summary>
    Stopped = 4,
}
