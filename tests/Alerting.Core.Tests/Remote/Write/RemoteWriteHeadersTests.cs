using Alerting.Core.Remote.Write;

namespace Alerting.Core.Tests.Remote.Write;

public sealed class RemoteWriteHeadersTests
{
    [Theory]
    [InlineData(null, null, null)]
    [InlineData("application/x-protobuf", "snappy", "0.1.0")]
    [InlineData("application/x-protobuf;proto=prometheus.WriteRequest", "SNAPPY", null)]
    public void Remote_write_1_0_headers_or_none_are_accepted(string? type, string? encoding, string? version) =>
        Assert.Null(RemoteWriteHeaders.Check(type, encoding, version));

    [Theory]
    [InlineData("application/json", null, null, 415, "expected application/x-protobuf as the first (media) part, got application/json content-type")]
    [InlineData("application/x-protobuf;proto=io.prometheus.write.v2.Request", null, "2.0.0", 415, "unknown remote write specification version for given proto type: io.prometheus.write.v2.Request; this server accepts remote write 1.0 (prometheus.WriteRequest)")]
    [InlineData(null, "gzip", null, 415, "gzip encoding (compression) is not accepted by this server; only snappy is acceptable")]
    [InlineData(null, null, "3.0.0", 400, "unsupported X-Prometheus-Remote-Write-Version \"3.0.0\"; this server accepts remote write 1.0 (0.1.0)")]
    public void Other_formats_are_refused_with_the_reason(string? type, string? encoding, string? version, int status, string reason)
    {
        var e = RemoteWriteHeaders.Check(type, encoding, version);
        Assert.NotNull(e);
        Assert.Equal(status, e.StatusCode);
        Assert.Equal(reason, e.Message);
    }
}
