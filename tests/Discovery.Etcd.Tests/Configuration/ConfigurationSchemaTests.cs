using Discovery.Testing;

namespace Discovery.Etcd.Tests.Configuration;

public sealed class ConfigurationSchemaTests
{
    private static string Schema => ConfigurationSchemaFile.Read(EtcdConfigurationSchema.Spec);

    [Fact]
    public void ConfigurationSchema_CheckedInFile_IsWhatTheGeneratorWrites() =>
        ConfigurationSchemaFile.AssertCurrent(EtcdConfigurationSchema.Spec);

    [Fact]
    public void ConfigurationSchema_Keys_AreExactlyTheKeysEtcdOptionsBinds()
    {
        var optionKeys = ConfigurationSchemaFile.OptionKeys(EtcdConfigurationSchema.Spec);
        var schemaKeys = ConfigurationSchemaFile.SchemaKeys(Schema);

        Assert.Empty(optionKeys.Except(schemaKeys));
        Assert.Empty(schemaKeys.Except(optionKeys));
        Assert.Contains("Discovery:Etcd:Tls:CaFile", schemaKeys);
    }

    [Fact]
    public void ConfigurationSchema_EverySetting_IsValid()
    {
        const string json = """
            {
              "Logging": { "LogLevel": { "Default": "Information" } },
              "Discovery": {
                "Etcd": {
                  "Endpoints": [ "https://10.0.0.1:2379", "https://[fd00::2]:2379/", "HTTPS://etcd-3.internal:2379" ],
                  "Username": "app",
                  "Password": "secret",
                  "Tls": { "CaFile": "/etc/etcd/ca.pem", "CertFile": "/etc/etcd/client.pem", "KeyFile": "/etc/etcd/client-key.pem" },
                  "KeyPrefix": "prod/",
                  "ConnectTimeout": "00:00:05",
                  "RequestTimeout": "00:00:02.5",
                  "KeepAliveInterval": "00:01",
                  "DataLossGracePeriod": "0",
                  "maxRecordBytes": 16384
                }
              }
            }
            """;

        Assert.Empty(SchemaValidation.Errors(json, Schema));
    }

    public static TheoryData<string, string, string, string> InvalidSections => new()
    {
        // reason, Discovery:Etcd section, where the error is, the failing keyword
        { "endpoint without a port", """{ "Endpoints": [ "http://127.0.0.1" ] }""", "/Discovery/Etcd/Endpoints/0", "pattern" },
        { "endpoint without a scheme", """{ "Endpoints": [ "127.0.0.1:2379" ] }""", "/Discovery/Etcd/Endpoints/0", "pattern" },
        { "endpoints as one comma-separated string", """{ "Endpoints": "http://a:2379,http://b:2379" }""", "/Discovery/Etcd/Endpoints", "type" },
        { "endpoint with user information", """{ "Endpoints": [ "http://user:pw@a:2379" ] }""", "/Discovery/Etcd/Endpoints/0", "pattern" },
        { "endpoint repeated", """{ "Endpoints": [ "http://a:2379", "http://a:2379" ] }""", "/Discovery/Etcd/Endpoints", "uniqueItems" },
        { "no endpoint", """{ "Endpoints": [] }""", "/Discovery/Etcd/Endpoints", "minItems" },
        { "duration as a number", """{ "ConnectTimeout": 5 }""", "/Discovery/Etcd/ConnectTimeout", "type" },
        { "duration with a unit", """{ "RequestTimeout": "5s" }""", "/Discovery/Etcd/RequestTimeout", "pattern" },
        { "negative duration", """{ "DataLossGracePeriod": "-00:00:01" }""", "/Discovery/Etcd/DataLossGracePeriod", "pattern" },
        { "record limit zero", """{ "MaxRecordBytes": 0 }""", "/Discovery/Etcd/MaxRecordBytes", "minimum" },
        { "key prefix from the root", """{ "KeyPrefix": "/prod/" }""", "/Discovery/Etcd/KeyPrefix", "pattern" },
        { "key prefix with a space", """{ "KeyPrefix": "my prod/" }""", "/Discovery/Etcd/KeyPrefix", "pattern" },
        { "TLS file as a number", """{ "Tls": { "CaFile": 1 } }""", "/Discovery/Etcd/Tls/CaFile", "type" },
        { "misspelt key", """{ "Endpoint": [ "http://a:2379" ] }""", "/Discovery/Etcd/Endpoint", "pattern" },
        { "misspelt TLS key", """{ "Tls": { "CAFiles": "/ca.pem" } }""", "/Discovery/Etcd/Tls/CAFiles", "pattern" },
    };

    [Theory]
    [MemberData(nameof(InvalidSections))]
    public void ConfigurationSchema_InvalidSetting_IsAnErrorAtThatKey(string reason, string section, string location, string keyword)
    {
        var json = $$"""{ "Discovery": { "Etcd": {{section}} } }""";

        var errors = SchemaValidation.Errors(json, Schema);

        Assert.True(
            errors.Any(e => e.Location == location && e.Keyword == keyword),
            $"{reason}: expected a '{keyword}' error at {location}, got: {string.Join("; ", errors)}");
    }
}
