namespace Alerting.Core.Exposition;

/// <summary>
/// Prometheus' <c>scrape_protocols</c>: the Accept header a scrape proposes, and which parser reads the body
/// the target chose (by its Content-Type).
/// </summary>
public static class ScrapeProtocols
{
    public const string PrometheusProto = "PrometheusProto";

    /// <summary>Protocol names in the order Prometheus lists them, with their media types.</summary>
    public static IReadOnlyDictionary<string, string> MediaTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PrometheusProto] = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
        ["PrometheusText0.0.4"] = "text/plain;version=0.0.4",
        ["PrometheusText1.0.0"] = "text/plain;version=1.0.0",
        ["OpenMetricsText0.0.1"] = "application/openmetrics-text;version=0.0.1",
        ["OpenMetricsText1.0.0"] = "application/openmetrics-text;version=1.0.0",
    };

    /// <summary>Prometheus' default without native histograms: the text formats, OpenMetrics first.</summary>
    public static IReadOnlyList<string> Default { get; } = ["OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"];

    /// <summary>Prometheus' default with <c>scrape_native_histograms: true</c>: protobuf first, as only it carries native histograms.</summary>
    public static IReadOnlyList<string> ProtoFirst { get; } = [PrometheusProto, "OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"];

    /// <summary>An error text for an unknown protocol name, as Prometheus' config check words it; null when valid.</summary>
    public static string? Validate(string protocol) =>
        MediaTypes.ContainsKey(protocol) ? null : $"unknown scrape protocol {protocol}, supported: [{string.Join(' ', MediaTypes.Keys.Order(StringComparer.Ordinal))}]";

    /// <summary>Prometheus' acceptHeader: each protocol with a falling q weight, then <c>*/*</c>.</summary>
    public static string AcceptHeader(IReadOnlyList<string> protocols)
    {
        var values = new List<string>();
        var weight = MediaTypes.Count + 1;
        foreach (var p in protocols)
        {
            var value = MediaTypes[p];
            if (p is "PrometheusText1.0.0" or "OpenMetricsText1.0.0")
            {
                // Our text parsers read classic metric names; ask targets to escape others to underscores.
                value += ";escaping=underscores";
            }
            values.Add($"{value};q=0.{weight}");
            weight--;
        }
        values.Add($"*/*;q=0.{weight}");
        return string.Join(',', values);
    }

    /// <summary>Parses a scrape body by its Content-Type: protobuf, OpenMetrics, or the Prometheus text format.</summary>
    public static ScrapeResult Parse(ReadOnlySpan<byte> body, string? contentType, ProtobufOptions? protobuf = null) =>
        ProtobufExposition.IsProtobuf(contentType)
            ? ProtobufExposition.Parse(body, protobuf)
            : ExpositionParser.Parse(body, contentType);
}
