namespace Alerting.Core.Remote.Write;

/// <summary>
/// The request headers of remote write, checked as Prometheus' write handler checks them: an absent
/// Content-Type or Content-Encoding is taken as remote write 1.0 and Snappy (older senders leave them
/// out), a present one must be <c>application/x-protobuf</c> (optionally
/// <c>;proto=prometheus.WriteRequest</c>) and <c>snappy</c>, else 415. Remote write 2.0
/// (<c>proto=io.prometheus.write.v2.Request</c>) is refused with 415 so the sender can fall back to 1.0.
/// </summary>
public static class RemoteWriteHeaders
{
    public const string ContentType = "application/x-protobuf";
    public const string Encoding = "snappy";
    public const string VersionHeader = "X-Prometheus-Remote-Write-Version";
    public const string Version = "0.1.0";
    public const string V1Proto = "prometheus.WriteRequest";

    /// <summary>Null when the headers describe a request this server reads; otherwise why not.</summary>
    public static RemoteWriteException? Check(string? contentType, string? contentEncoding, string? version)
    {
        if (!string.IsNullOrWhiteSpace(contentType))
        {
            var parts = contentType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !parts[0].Equals(ContentType, StringComparison.OrdinalIgnoreCase))
            {
                return new RemoteWriteException(415, $"expected {ContentType} as the first (media) part, got {contentType} content-type");
            }
            foreach (var p in parts.Skip(1))
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && p[..eq].Trim().Equals("proto", StringComparison.OrdinalIgnoreCase))
                {
                    var proto = p[(eq + 1)..].Trim().Trim('"');
                    if (proto != V1Proto)
                    {
                        return new RemoteWriteException(415, $"unknown remote write specification version for given proto type: {proto}; this server accepts remote write 1.0 ({V1Proto})");
                    }
                }
            }
        }
        if (!string.IsNullOrWhiteSpace(contentEncoding) && !contentEncoding.Trim().Equals(Encoding, StringComparison.OrdinalIgnoreCase))
        {
            return new RemoteWriteException(415, $"{contentEncoding} encoding (compression) is not accepted by this server; only {Encoding} is acceptable");
        }
        if (!string.IsNullOrWhiteSpace(version) && !version.Trim().StartsWith("0.1", StringComparison.Ordinal) && !version.Trim().StartsWith("1.", StringComparison.Ordinal))
        {
            return new RemoteWriteException(400, $"unsupported {VersionHeader} \"{version}\"; this server accepts remote write 1.0 ({Version})");
        }
        return null;
    }
}
