using Discovery.Testing;

namespace Discovery.Etcd.Tests.Configuration;

/// <summary>Discovery.Etcd's <c>ConfigurationSchema.json</c>: the <c>Discovery:Etcd</c> section.</summary>
internal static class EtcdConfigurationSchema
{
    /// <summary>
    /// An etcd client URL as <see cref="EtcdOptions.Endpoints"/> requires: http or https in any case, a host or a
    /// bracketed IPv6 address, an explicit port, nothing after it but an optional <c>/</c>, no user information.
    /// </summary>
    public const string EndpointPattern = @"^[Hh][Tt][Tt][Pp][Ss]?://([^/?#@\s\[\]:,]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}/?$";

    /// <summary>A key prefix: not starting with <c>/</c>, no <c>//</c>, no white space or control characters.</summary>
    public const string KeyPrefixPattern = @"^(?!/)(?![\s\S]*//)[^\s\u0000-\u001F\u007F-\u009F]*$";

    public static ConfigurationSchemaSpec Spec { get; } = new()
    {
        Section = EtcdOptions.SectionName,
        OptionsType = typeof(EtcdOptions),
        ProjectDirectory = "src/Discovery.Etcd",
        TestProjectDirectory = "tests/Discovery.Etcd.Tests",
        Rules =
        [
            SchemaRule.For<EtcdOptions>(nameof(EtcdOptions.Endpoints), s =>
            {
                s["minItems"] = 1;
                s["uniqueItems"] = true;
                s["items"]!["pattern"] = EndpointPattern;
            }),
            SchemaRule.For<EtcdOptions>(nameof(EtcdOptions.KeyPrefix), s => s["pattern"] = KeyPrefixPattern),
            SchemaRule.For<EtcdOptions>(nameof(EtcdOptions.MaxRecordBytes), s => s["minimum"] = 1),
        ],
    };
}
