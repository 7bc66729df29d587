using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.Exposition;

/// <summary>One family to write: metadata plus its samples (labels include <c>__name__</c>).</summary>
public sealed record WritableFamily(string Name, MetricType Type, string? Help, IReadOnlyList<ScrapedSample> Samples);

/// <summary>
/// Writes Prometheus text format 0.0.4 the way client_golang does (families sorted by name, HELP then
/// TYPE, label values escaped, Go float formatting), e.g. for the Pushgateway-compatible <c>GET /metrics</c>.
/// </summary>
public static class ExpositionWriter
{
    public static string Write(IEnumerable<WritableFamily> families)
    {
        var sb = new StringBuilder();
        Write(families, new StringWriter(sb));
        return sb.ToString();
    }

    public static void Write(IEnumerable<WritableFamily> families, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(families);
        ArgumentNullException.ThrowIfNull(w);
        foreach (var f in families.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (f.Help is { } help)
            {
                w.Write("# HELP ");
                w.Write(f.Name);
                w.Write(' ');
                w.Write(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
                w.Write('\n');
            }
            w.Write("# TYPE ");
            w.Write(f.Name);
            w.Write(' ');
            w.Write(TypeName(f.Type));
            w.Write('\n');
            foreach (var s in f.Samples)
            {
                WriteSample(s, w);
            }
        }
    }

    private static void WriteSample(ScrapedSample s, TextWriter w)
    {
        w.Write(s.Labels.Name);
        var first = true;
        foreach (var l in s.Labels)
        {
            if (l.Name == Labels.MetricName)
            {
                continue;
            }
            w.Write(first ? '{' : ',');
            first = false;
            w.Write(l.Name);
            w.Write("=\"");
            w.Write(Labels.Escape(l.Value));
            w.Write('"');
        }
        if (!first)
        {
            w.Write('}');
        }
        w.Write(' ');
        w.Write(GoFloat.Format(s.Value, 'g', -1));
        if (s.TimestampMs is { } ts)
        {
            w.Write(' ');
            w.Write(ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        w.Write('\n');
    }

    private static string TypeName(MetricType t) => t switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        MetricType.Summary => "summary",
        _ => "untyped",
    };
}
