using System.Text;
using System.Text.Json.Nodes;
using Discovery.Etcd;
using Discovery.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Discovery.Hosting.Tests.Configuration;

public sealed class ConfigurationSchemaTests
{
    /// <summary>Discovery.Hosting's <c>ConfigurationSchema.json</c>: the <c>Discovery:Registration</c> section.</summary>
    public static ConfigurationSchemaSpec Spec { get; } = new()
    {
        Section = EtcdRegistrationOptions.SectionName,
        OptionsType = typeof(EtcdRegistrationOptions),
        ProjectDirectory = "src/Discovery.Hosting",
        TestProjectDirectory = "tests/Discovery.Hosting.Tests",
        Rules =
        [
            SchemaRule.For<EtcdRegistrationOptions>(nameof(EtcdRegistrationOptions.Weight), s => s["minimum"] = 1),
            // The record's own keys; the validator compares them as written (ordinal).
            SchemaRule.For<EtcdRegistrationOptions>(nameof(EtcdRegistrationOptions.Metadata), s => s["propertyNames"] = new JsonObject
            {
                ["minLength"] = 1,
                ["not"] = new JsonObject { ["enum"] = new JsonArray("id", "version", "weight", "zone") },
            }),
        ],
    };

    private static string Schema => ConfigurationSchemaFile.Read(Spec);

    private static string EtcdSchema => ConfigurationSchemaFile.Read("src/Discovery.Etcd");

    [Fact]
    public void ConfigurationSchema_CheckedInFile_IsWhatTheGeneratorWrites() => ConfigurationSchemaFile.AssertCurrent(Spec);

    [Fact]
    public void ConfigurationSchema_Keys_AreExactlyTheKeysRegistrationOptionsBinds()
    {
        var optionKeys = ConfigurationSchemaFile.OptionKeys(Spec);
        var schemaKeys = ConfigurationSchemaFile.SchemaKeys(Schema);

        Assert.Empty(optionKeys.Except(schemaKeys));
        Assert.Empty(schemaKeys.Except(optionKeys));
        Assert.Contains("Discovery:Registration:Metadata", schemaKeys);
    }

    [Fact]
    public void ConfigurationSchema_EchoServerSample_IsValidAndStarts()
    {
        var json = File.ReadAllText(ConfigurationSchemaFile.RepositoryPath("samples/EchoServer/appsettings.json"));

        Assert.Empty(SchemaValidation.Errors(json, EtcdSchema, Schema));
        Assert.Null(StartFailure(json));
    }

    [Fact]
    public void ConfigurationSchema_EverySetting_IsValidAndStarts()
    {
        const string json = """
            {
              "Discovery": {
                "Etcd": { "Endpoints": [ "http://127.0.0.1:2379" ] },
                "Registration": {
                  "ServiceName": "prod/echo",
                  "InstanceId": "echo-1",
                  "Version": "v2",
                  "Weight": 250,
                  "Zone": "eu-1a",
                  "Metadata": { "canary": "true", "build": "1234" },
                  "LeaseTtl": "00:00:15",
                  "DrainDelay": "00:00:00.5",
                  "AdvertisedHost": "10.0.0.7",
                  "Endpoints": [ "5001", "http://0.0.0.0:5002" ],
                  "enabled": true
                }
              }
            }
            """;

        Assert.Empty(SchemaValidation.Errors(json, EtcdSchema, Schema));
        Assert.Null(StartFailure(json));
    }

    [Fact]
    public void ConfigurationSchema_OverrideFileWithoutServiceName_IsValid()
    {
        // appsettings.Development.json changing one value: the schema applies to each file alone, so it requires no key.
        const string json = """{ "Discovery": { "Registration": { "DrainDelay": "00:00:00" } } }""";

        Assert.Empty(SchemaValidation.Errors(json, EtcdSchema, Schema));
    }

    public static TheoryData<string, string, string, string, bool> InvalidSections => new()
    {
        // reason, Discovery:Registration section (ServiceName set unless the case is about it), where the error is,
        // the failing keyword, whether start-up fails too
        { "negative weight", """{ "Weight": -1 }""", "/Discovery/Registration/Weight", "minimum", true },
        { "zero weight", """{ "Weight": 0 }""", "/Discovery/Registration/Weight", "minimum", true },
        { "weight with a fraction", """{ "Weight": 1.5 }""", "/Discovery/Registration/Weight", "type", true },
        { "duration as a number", """{ "LeaseTtl": 10 }""", "/Discovery/Registration/LeaseTtl", "type", true },
        { "duration with a unit", """{ "DrainDelay": "2s" }""", "/Discovery/Registration/DrainDelay", "pattern", true },
        { "negative duration", """{ "DrainDelay": "-00:00:01" }""", "/Discovery/Registration/DrainDelay", "pattern", true },
        { "reserved metadata key", """{ "Metadata": { "version": "v2" } }""", "/Discovery/Registration/Metadata/version", "propertyNames", true },
        { "metadata value not text", """{ "Metadata": { "canary": { "on": true } } }""", "/Discovery/Registration/Metadata/canary", "type", false },
        { "enabled as text", """{ "Enabled": "yes" }""", "/Discovery/Registration/Enabled", "type", true },
        { "endpoints as one string", """{ "Endpoints": "5001" }""", "/Discovery/Registration/Endpoints", "type", false },
        { "misspelt key", """{ "LeaseTTL": "00:00:10", "DrainDelai": "00:00:05" }""", "/Discovery/Registration/DrainDelai", "pattern", false },
        { "service name as a number", """{ "ServiceName": 42 }""", "/Discovery/Registration/ServiceName", "type", false },
    };

    [Theory]
    [MemberData(nameof(InvalidSections))]
    public void ConfigurationSchema_InvalidSetting_IsAnErrorAtThatKey(string reason, string section, string location, string keyword, bool failsAtStart)
    {
        var json = Sample(section);

        var errors = SchemaValidation.Errors(json, EtcdSchema, Schema);

        Assert.True(
            errors.Any(e => e.Location == location && e.Keyword == keyword),
            $"{reason}: expected a '{keyword}' error at {location}, got: {string.Join("; ", errors)}");
        // The schema says what the validators say: where start-up accepts the value, the schema is stricter on purpose
        // (a misspelt key binds nothing, a number where text goes binds as text).
        Assert.Equal(failsAtStart, StartFailure(json) is not null);
    }

    private static string Sample(string registration)
    {
        var section = JsonNode.Parse(registration)!.AsObject();
        if (!section.ContainsKey("ServiceName"))
        {
            section["ServiceName"] = "echo";
        }

        return new JsonObject
        {
            ["Discovery"] = new JsonObject
            {
                ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray("http://127.0.0.1:2379") },
                ["Registration"] = section,
            },
        }.ToJsonString();
    }

    /// <summary>What binding and validating the options at start-up says of <paramref name="json"/>; null when it passes.</summary>
    private static string? StartFailure(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddEtcdRegistration();
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<EtcdOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<EtcdRegistrationOptions>>().Value;
            return null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return ex.Message;
        }
    }
}
