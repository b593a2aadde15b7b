using System.Text;
using System.Text.Json.Nodes;
using Discovery.Etcd;
using Discovery.Testing;
using Grpc.Examples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Discovery.ClientFactory.Tests.Configuration;

public sealed class ConfigurationSchemaTests
{
    /// <summary>
    /// Discovery.ClientFactory's <c>ConfigurationSchema.json</c>: <c>Discovery:Clients</c>, one entry per client name.
    /// </summary>
    /// <remarks>
    /// <c>Picker</c> is the built-in names as an <c>enum</c> (the editor offers them) or any other non-blank string:
    /// <c>AddDiscoveryPicker</c> adds names the package cannot know, and names match in any case. An unknown name is
    /// reported at start-up by the validator, which lists the known ones.
    /// </remarks>
    public static ConfigurationSchemaSpec Spec { get; } = new()
    {
        Section = EtcdClientOptions.SectionName,
        OptionsType = typeof(EtcdClientOptions),
        Named = true,
        ProjectDirectory = "src/Discovery.ClientFactory",
        TestProjectDirectory = "tests/Discovery.ClientFactory.Tests",
        Rules =
        [
            SchemaRule.For<EtcdClientOptions>(nameof(EtcdClientOptions.Picker), s =>
            {
                s.Remove("type");
                s["anyOf"] = new JsonArray(
                    new JsonObject { ["enum"] = new JsonArray(DiscoveryPickers.BuiltIn.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()) },
                    new JsonObject { ["type"] = "string", ["pattern"] = @"\S" });
            }),
            SchemaRule.For<EtcdClientOptions>(nameof(EtcdClientOptions.Version), NoSurroundingWhiteSpace),
            SchemaRule.For<EtcdClientOptions>(nameof(EtcdClientOptions.Zone), NoSurroundingWhiteSpace),
            SchemaRule.For<DiscoveryRetryOptions>(nameof(DiscoveryRetryOptions.MaxAttempts), s =>
            {
                s["minimum"] = 2;
                s["maximum"] = DiscoveryRetryOptions.MaxAllowedAttempts;
            }),
        ],
    };

    private static string Schema => ConfigurationSchemaFile.Read(Spec);

    private static string EtcdSchema => ConfigurationSchemaFile.Read("src/Discovery.Etcd");

    [Fact]
    public void ConfigurationSchema_CheckedInFile_IsWhatTheGeneratorWrites() => ConfigurationSchemaFile.AssertCurrent(Spec);

    [Fact]
    public void ConfigurationSchema_Keys_AreExactlyTheKeysClientOptionsBind()
    {
        var optionKeys = ConfigurationSchemaFile.OptionKeys(Spec);
        var schemaKeys = ConfigurationSchemaFile.SchemaKeys(Schema);

        Assert.Empty(optionKeys.Except(schemaKeys));
        Assert.Empty(schemaKeys.Except(optionKeys));
        Assert.Contains("Discovery:Clients:{name}:Retry:MaxAttempts", schemaKeys);
    }

    [Fact]
    public void ConfigurationSchema_EchoClientSample_IsValidAndStarts()
    {
        var json = File.ReadAllText(ConfigurationSchemaFile.RepositoryPath("samples/EchoClient/appsettings.json"));

        Assert.Empty(SchemaValidation.Errors(json, EtcdSchema, Schema));
        Assert.Null(StartFailure(json));
    }

    [Fact]
    public void ConfigurationSchema_EverySetting_IsValidAndStarts()
    {
        var json = Sample("""
            {
              "Service": "echo",
              "Picker": "p2c",
              "Version": "v2",
              "Zone": "eu-1a",
              "StartupWait": "00:00:00",
              "StaleViewThreshold": "00:01:00",
              "P2cDecayTime": "00:00:05",
              "P2cForcePickInterval": "00:00:00.250",
              "Retry": { "NeverReached": true, "Unavailable": true, "MaxAttempts": 3, "InitialBackoff": "00:00:00.1", "MaxBackoff": "00:00:02" }
            }
            """);

        Assert.Empty(SchemaValidation.Errors(json, EtcdSchema, Schema));
        Assert.Null(StartFailure(json));
    }

    [Theory]
    [InlineData("weighted_round_robin")]
    [InlineData("P2C")] // names match in any case
    [InlineData("first_ready")] // added with AddDiscoveryPicker
    public void ConfigurationSchema_PickerBuiltInOrAdded_IsValid(string picker)
    {
        var json = Sample($$"""{ "Service": "echo", "Picker": "{{picker}}" }""");

        Assert.Empty(SchemaValidation.Errors(json, EtcdSchema, Schema));
    }

    [Fact]
    public void ConfigurationSchema_ClientWithoutService_IsValid()
    {
        // UseEtcd("echo") may name the service in code: the schema requires no key.
        var json = Sample("""{ "Picker": "random" }""");

        Assert.Empty(SchemaValidation.Errors(json, EtcdSchema, Schema));
    }

    public static TheoryData<string, string, string, string, bool> InvalidClients => new()
    {
        // reason, Discovery:Clients:EchoClient section, where the error is, the failing keyword, whether start-up fails too
        { "picker not a name", """{ "Service": "echo", "Picker": 3 }""", "/Discovery/Clients/EchoClient/Picker", "type", true },
        { "blank picker", """{ "Service": "echo", "Picker": " " }""", "/Discovery/Clients/EchoClient/Picker", "pattern", true },
        // The binder reads 1 as one day, which StartupWait allows: only the schema catches it.
        { "duration as a number", """{ "Service": "echo", "StartupWait": 1 }""", "/Discovery/Clients/EchoClient/StartupWait", "type", false },
        { "duration with a unit", """{ "Service": "echo", "StaleViewThreshold": "30s" }""", "/Discovery/Clients/EchoClient/StaleViewThreshold", "pattern", true },
        { "version with a space", """{ "Service": "echo", "Version": "v2 " }""", "/Discovery/Clients/EchoClient/Version", "pattern", true },
        { "too many attempts", """{ "Service": "echo", "Retry": { "MaxAttempts": 6 } }""", "/Discovery/Clients/EchoClient/Retry/MaxAttempts", "maximum", true },
        { "too few attempts", """{ "Service": "echo", "Retry": { "MaxAttempts": 1 } }""", "/Discovery/Clients/EchoClient/Retry/MaxAttempts", "minimum", true },
        { "backoff as a number", """{ "Service": "echo", "Retry": { "InitialBackoff": 0.05 } }""", "/Discovery/Clients/EchoClient/Retry/InitialBackoff", "type", true },
        { "retry switch as text", """{ "Service": "echo", "Retry": { "Unavailable": "on" } }""", "/Discovery/Clients/EchoClient/Retry/Unavailable", "type", true },
        { "misspelt key", """{ "Service": "echo", "Pickr": "p2c" }""", "/Discovery/Clients/EchoClient/Pickr", "pattern", false },
        { "client as a string", "\"echo\"", "/Discovery/Clients/EchoClient", "type", true },
    };

    [Theory]
    [MemberData(nameof(InvalidClients))]
    public void ConfigurationSchema_InvalidSetting_IsAnErrorAtThatKey(string reason, string client, string location, string keyword, bool failsAtStart)
    {
        var json = Sample(client);

        var errors = SchemaValidation.Errors(json, EtcdSchema, Schema);

        Assert.True(
            errors.Any(e => e.Location == location && e.Keyword == keyword),
            $"{reason}: expected a '{keyword}' error at {location}, got: {string.Join("; ", errors)}");
        // Where start-up accepts the value, the schema is stricter on purpose (a misspelt key binds nothing, a number
        // where a duration goes reads as days).
        Assert.Equal(failsAtStart, StartFailure(json) is not null);
    }

    private static string Sample(string client) => new JsonObject
    {
        ["Discovery"] = new JsonObject
        {
            ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray("http://127.0.0.1:2379") },
            ["Clients"] = new JsonObject { ["EchoClient"] = JsonNode.Parse(client) },
        },
    }.ToJsonString();

    /// <summary>What binding and validating the options at start-up says of <paramref name="json"/>; null when it passes.</summary>
    private static string? StartFailure(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddGrpcClient<Echo.EchoClient>().UseEtcd();
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<EtcdOptions>>().Value;
            _ = provider.GetRequiredService<IOptionsMonitor<EtcdClientOptions>>().Get(nameof(Echo.EchoClient));
            return null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return ex.Message;
        }
    }

    private static void NoSurroundingWhiteSpace(JsonObject schema)
    {
        // The validator rejects an empty value and leading or trailing white space (an unset key means no filter).
        schema["minLength"] = 1;
        schema["pattern"] = @"^\S([\s\S]*\S)?$";
    }
}
