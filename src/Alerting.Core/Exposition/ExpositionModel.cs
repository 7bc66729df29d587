using Alerting.Core.Model;

namespace Alerting.Core.Exposition;

/// <summary>Which wire format a body is in; decides timestamp units, comment rules and <c># EOF</c>.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (node-exporter, prometheus-net, client_golang): timestamps in ms.</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0 text: timestamps in seconds, <c># UNIT</c>, exemplars, mandatory <c># EOF</c>.</summary>
    OpenMetrics,

    /// <summary>Prometheus' delimited protobuf (io.prometheus.client.MetricFamily), the format that carries native histograms.</summary>
    Protobuf,
}

/// <summary>The metric family types both formats declare with <c># TYPE</c>.</summary>
public enum MetricType
{
    Unknown,
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
    GaugeHistogram,
    StateSet,
    Info,
}

/// <summary>
/// One series value as exposed: labels include <c>__name__</c>; timestamp only when the target sent one.
/// A native histogram sample has <see cref="Histogram"/> set (and Value 0).
/// </summary>
public readonly record struct ScrapedSample(Labels Labels, double Value, long? TimestampMs)
{
    public Model.Histograms.FloatHistogram? Histogram { get; init; }
}

/// <summary>What <c># TYPE</c>, <c># HELP</c> and <c># UNIT</c> said about one metric family.</summary>
public sealed record MetricMetadata(string Family, MetricType Type, string? Help, string? Unit);

/// <summary>A fully parsed scrape body: every sample in exposition order plus per-family metadata.</summary>
public sealed class ScrapeResult
{
    internal ScrapeResult(ExpositionFormat format, IReadOnlyList<ScrapedSample> samples, IReadOnlyDictionary<string, MetricMetadata> metadata)
    {
        Format = format;
        Samples = samples;
        Metadata = metadata;
    }

    public ExpositionFormat Format { get; }

    public IReadOnlyList<ScrapedSample> Samples { get; }

    /// <summary>Keyed by family name (the name in <c># TYPE</c>, without <c>_total</c>/<c>_bucket</c> suffixes).</summary>
    public IReadOnlyDictionary<string, MetricMetadata> Metadata { get; }

    /// <summary>
    /// The family a sample belongs to: its own name if declared, else the declared family its name
    /// extends with a histogram/summary/counter suffix; null when nothing declared it.
    /// </summary>
    public MetricMetadata? MetadataFor(string metricName)
    {
        if (Metadata.TryGetValue(metricName, out var m))
        {
            return m;
        }
        foreach (var suffix in FamilySuffixes)
        {
            if (metricName.EndsWith(suffix, StringComparison.Ordinal) &&
                Metadata.TryGetValue(metricName[..^suffix.Length], out m))
            {
                return m;
            }
        }
        return null;
    }

    private static readonly string[] FamilySuffixes = ["_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"];
}

/// <summary>
/// A body that is not valid exposition format. The caller fails the whole scrape (as Prometheus does)
/// rather than ingesting the lines before the error.
/// </summary>
public sealed class ExpositionParseException : FormatException
{
    public ExpositionParseException(int line, string reason)
        : base($"line {line}: {reason}")
    {
        Line = line;
        Reason = reason;
    }

    public ExpositionParseException()
        : this(0, "invalid exposition")
    {
    }

    public ExpositionParseException(string message)
        : this(0, message)
    {
    }

    public ExpositionParseException(string message, Exception inner)
        : base(message, inner)
    {
        Reason = message;
    }

    /// <summary>1-based line number of the offending line.</summary>
    public int Line { get; }

    public string Reason { get; }
}
