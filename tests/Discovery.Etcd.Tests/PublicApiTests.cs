using Discovery.Testing;

namespace Discovery.Etcd.Tests;

/// <summary>The package's public surface, read from the built assembly: the options and the record metadata format.</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Assembly_ExportedTypes_AreTheOptionsAndTheMetadataFormat() =>
        Assert.Equal(
            [
                "Discovery.Etcd.EtcdOptions",
                "Discovery.Etcd.EtcdTlsOptions",
                "Discovery.Etcd.RecordMetadataFormat",
            ],
            PublicSurface.Types(typeof(EtcdOptions).Assembly));

    [Fact]
    public void Assembly_PublicMethods_NoneButTheOptionsAccessors() =>
        Assert.Empty(PublicSurface.Methods(typeof(EtcdOptions).Assembly));

    [Fact]
    public void Options_Properties_KeepTheirConfigurationKeys() =>
        Assert.Equal(
            [
                "EtcdOptions.ConnectTimeout: TimeSpan",
                "EtcdOptions.DataLossGracePeriod: TimeSpan",
                "EtcdOptions.Endpoints: IList<String>",
                "EtcdOptions.KeepAliveInterval: TimeSpan",
                "EtcdOptions.KeyPrefix: String",
                "EtcdOptions.MaxRecordBytes: Int32",
                "EtcdOptions.Password: String",
                "EtcdOptions.RequestTimeout: TimeSpan",
                "EtcdOptions.Tls: EtcdTlsOptions",
                "EtcdOptions.Username: String",
                "EtcdTlsOptions.CaFile: String",
                "EtcdTlsOptions.CertFile: String",
                "EtcdTlsOptions.KeyFile: String",
            ],
            PublicSurface.Properties(typeof(EtcdOptions).Assembly));

    [Fact]
    public void Assembly_PublicConstants_SectionNameAndMetadataFormatsKeepTheirValues() =>
        Assert.Equal(
            [
                "EtcdOptions.SectionName = Discovery:Etcd",
                "RecordMetadataFormat.FormString = 0",
                "RecordMetadataFormat.JsonObject = 1",
            ],
            PublicSurface.Constants(typeof(EtcdOptions).Assembly));
}
