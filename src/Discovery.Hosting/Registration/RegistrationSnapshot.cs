using Discovery.Hosting.Leasing;

namespace Discovery.Hosting.Registration;

/// <summary>What the health check reports.</summary>
/// <param name="Phase">The service's phase.</param>
/// <param name="Keeper">The lease keeper's status while it runs, else null.</param>
/// <param name="Addresses">The registered addresses.</param>
internal sealed record RegistrationSnapshot(RegistrationPhase Phase, LeaseKeeperStatus? Keeper, IReadOnlyList<string> Addresses);
