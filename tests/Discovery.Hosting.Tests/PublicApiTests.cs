using Microsoft.Extensions.DependencyInjection;

namespace Discovery.Hosting.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void Assembly_ExportedTypes_AreTheOptionsAndTheExtensionClasses()
    {
        var exported = typeof(EtcdRegistrationOptions).Assembly.GetExportedTypes().Select(t => t.FullName).Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "Discovery.Hosting.EtcdRegistrationOptions",
                "Discovery.Hosting.IEtcdRegistration",
                "Discovery.Hosting.RegistrationControlState",
                "Discovery.Hosting.RegistrationHealthGateOptions",
                "Microsoft.Extensions.DependencyInjection.EtcdRegistrationHealthChecksBuilderExtensions",
                "Microsoft.Extensions.DependencyInjection.EtcdRegistrationServiceCollectionExtensions",
            ],
            exported);
    }

    [Fact]
    public void AddEtcdRegistration_Overloads_KeepTheirParameterNames()
    {
        var overloads = typeof(EtcdRegistrationServiceCollectionExtensions).GetMethods()
            .Where(m => m.Name == nameof(EtcdRegistrationServiceCollectionExtensions.AddEtcdRegistration))
            .Select(m => string.Join(",", m.GetParameters().Select(p => p.Name)))
            .Order(StringComparer.Ordinal);

        Assert.Equal(["services", "services,configure"], overloads);
    }

    [Fact]
    public void IEtcdRegistration_Methods_KeepTheirParameterNames()
    {
        var methods = typeof(IEtcdRegistration).GetMethods().Where(m => !m.IsSpecialName)
            .Select(m => m.Name + "(" + string.Join(",", m.GetParameters().Select(p => p.Name)) + ")")
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            ["DrainAsync(cancellationToken)", "PauseAsync(cancellationToken)", "ResumeAsync(cancellationToken)", "SetWeightAsync(weight,cancellationToken)"],
            methods);
    }

    [Fact]
    public void AddEtcdRegistrationCheck_KeepsItsParameterNames()
    {
        var method = typeof(EtcdRegistrationHealthChecksBuilderExtensions).GetMethod(nameof(EtcdRegistrationHealthChecksBuilderExtensions.AddEtcdRegistrationCheck))!;

        Assert.Equal(["builder", "name", "failureStatus", "tags"], method.GetParameters().Select(p => p.Name));
    }

    [Fact]
    public void EtcdRegistrationOptions_SectionName_IsDiscoveryRegistration() =>
        Assert.Equal("Discovery:Registration", EtcdRegistrationOptions.SectionName);
}
