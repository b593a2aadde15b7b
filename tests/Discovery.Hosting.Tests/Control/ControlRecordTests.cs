using System.Text;
using Discovery.Hosting.Control;

namespace Discovery.Hosting.Tests.Control;

public sealed class ControlRecordTests
{
    [Theory]
    [InlineData("""{"state":"paused"}""", "paused", null)]
    [InlineData("""{"state":"draining","weight":7}""", "draining", 7)]
    [InlineData("""{"weight":10}""", "active", 10)]
    [InlineData("""{"state":"ACTIVE","by":"ops","note":{"x":1}}""", "active", null)]
    [InlineData("{}", "active", null)]
    public void TryDecode_ValidValue_ReadsStateAndWeightIgnoringUnknownFields(string json, string mode, int? weight)
    {
        Assert.True(ControlRecord.TryDecode(Encoding.UTF8.GetBytes(json), out var record, out var problem), problem);
        Assert.Equal(mode, ControlRecord.Name(record.Mode));
        Assert.Equal(weight, record.Weight);
    }

    [Theory]
    [InlineData("paused")]
    [InlineData("[1]")]
    [InlineData("""{"state":"stopped"}""")]
    [InlineData("""{"state":1}""")]
    [InlineData("""{"weight":0}""")]
    [InlineData("""{"weight":1.5}""")]
    [InlineData("""{"weight":"10"}""")]
    [InlineData("""{"state":"paused" """)]
    public void TryDecode_MalformedValue_FailsWithAReason(string json)
    {
        Assert.False(ControlRecord.TryDecode(Encoding.UTF8.GetBytes(json), out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void TryDecode_ValueOverTheLimit_FailsBeforeParsing()
    {
        var big = Encoding.UTF8.GetBytes("{\"state\":\"paused\",\"pad\":\"" + new string('x', ControlRecord.MaxBytes) + "\"}");
        Assert.False(ControlRecord.TryDecode(big, out _, out var problem));
        Assert.Contains("bytes", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_ThenDecode_RoundTrips()
    {
        var record = new ControlRecord(ControlMode.Draining, 25);
        Assert.True(ControlRecord.TryDecode(record.Encode(), out var read, out _));
        Assert.Equal(record, read);
    }

    [Fact]
    public void StatusRecord_Encode_WritesThePublicFields()
    {
        var json = Encoding.UTF8.GetString(new StatusRecord("drained", 10, 0, new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)).Encode());
        Assert.Equal("""{"state":"drained","weight":10,"inFlight":0,"drainedAt":"2025-01-02T03:04:05.000Z"}""", json);
    }
}
